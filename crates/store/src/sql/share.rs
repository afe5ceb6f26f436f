//! Share links (an expiring link to a client's handout): their SQL, row type and columns.
//!
//! Only the token's hash is stored and looked up; the token itself and deciding what the link
//! shows are the web layer's.

use crate::ids::parse_id;
use crate::{ShareLink, StoreError, Timestamp};

macro_rules! share_cols {
    () => {
        "id, client_id, created_by, expires_at, created_at, revoked_at"
    };
}
pub(crate) use share_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct ShareRow {
    id: String,
    client_id: String,
    created_by: String,
    expires_at: i64,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<ShareRow> for ShareLink {
    type Error = StoreError;
    fn try_from(row: ShareRow) -> Result<Self, StoreError> {
        Ok(ShareLink {
            id: parse_id(&row.id)?,
            client: parse_id(&row.client_id)?,
            created_by: parse_id(&row.created_by)?,
            expires_at: Timestamp(row.expires_at),
            created_at: Timestamp(row.created_at),
            revoked_at: row.revoked_at.map(Timestamp),
        })
    }
}

/// Writes the share-link functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::share::{ShareRow, share_cols};

        pub(crate) async fn create_share_link(db: &$store, new: NewShareLink) -> Result<ShareLink, StoreError> {
            let row: ShareRow = sqlx::query_as(concat!(
                "INSERT INTO share_links (id, client_id, token_hash, created_by, expires_at, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                share_cols!()
            ))
            .bind(ShareLinkId::new().to_string())
            .bind(new.client.to_string())
            .bind(&new.token_hash)
            .bind(new.created_by.to_string())
            .bind(new.expires_at.0)
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            row.try_into()
        }

        pub(crate) async fn share_link(db: &$store, token_hash: &str) -> Result<Option<ShareLink>, StoreError> {
            let row: Option<ShareRow> = sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&db.pool)
                .await?;
            row.map(ShareLink::try_from).transpose()
        }

        pub(crate) async fn share_links_for(db: &$store, client: ClientId) -> Result<Vec<ShareLink>, StoreError> {
            let rows: Vec<ShareRow> =
                sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(client.to_string())
                    .fetch_all(&db.pool)
                    .await?;
            $crate::sql::convert(rows)
        }

        pub(crate) async fn revoke_share_link(db: &$store, id: ShareLinkId) -> Result<(), StoreError> {
            let done = sqlx::query("UPDATE share_links SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(Timestamp::now().0)
                .bind(id.to_string())
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
