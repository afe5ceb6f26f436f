//! Share links (an expiring link to a client's handout): their SQL and columns (the rows are read as `ShareLink`).
//!
//! Only the token's hash is stored and looked up; the token itself and deciding what the link
//! shows are the web layer's.

macro_rules! share_cols {
    () => {
        "id, client_id, created_by, expires_at, created_at, revoked_at"
    };
}
pub(crate) use share_cols;

/// Writes the share-link functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::share::share_cols;

        pub(crate) async fn create_share_link(db: &$store, new: NewShareLink) -> Result<ShareLink, StoreError> {
            let row: ShareLink = sqlx::query_as(concat!(
                "INSERT INTO share_links (id, client_id, token_hash, created_by, expires_at, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                share_cols!()
            ))
            .bind(ShareLinkId::new())
            .bind(new.client)
            .bind(&new.token_hash)
            .bind(new.created_by)
            .bind(new.expires_at.0)
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            Ok(row)
        }

        pub(crate) async fn share_link(db: &$store, token_hash: &str) -> Result<Option<ShareLink>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&db.pool)
                .await?)
        }

        pub(crate) async fn share_links_for(db: &$store, client: ClientId) -> Result<Vec<ShareLink>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"))
                .bind(client)
                .fetch_all(&db.pool)
                .await?)
        }

        pub(crate) async fn revoke_share_link(db: &$store, id: ShareLinkId) -> Result<(), StoreError> {
            let done = sqlx::query("UPDATE share_links SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(Timestamp::now().0)
                .bind(id)
                .execute(&db.pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}
pub(crate) use queries;
