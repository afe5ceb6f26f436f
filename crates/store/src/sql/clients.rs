//! Client records: their SQL (create, read, list with search and paging, update, link a client
//! account), the listed row (a client with its owner's name), the list filter and input checks.
//!
//! Lists filter by who may see a client (`ClientQuery::visible_to`) because the web layer asks
//! for that, but deciding who may ask is still the web layer's. Export and erasure of a whole
//! record are in `export.rs`.

use crate::{Client, ClientQuery, ListedClient, StoreError};

macro_rules! client_cols {
    () => {
        "id, owner_id, display_name, reference, shared_with_clinic, user_id, created_at, updated_at"
    };
}
/// The `WHERE` of a [`ClientQuery`]: `$1` the practitioner it is visible to, `$2` the search
/// pattern (both may be NULL).
macro_rules! client_filter {
    () => {
        concat!(
            "WHERE ($1 IS NULL OR owner_id = $1 OR shared_with_clinic = TRUE) ",
            "AND ($2 IS NULL OR lower(display_name) LIKE $2 ESCAPE '\\' ",
            "OR lower(COALESCE(reference, '')) LIKE $2 ESCAPE '\\') "
        )
    };
}

/// The client list's page with its owners' names and a total, counted by `$total` (a
/// parenthesised `SELECT COUNT(*)` as string literals).
macro_rules! listed_clients_sql {
    ($($total:expr),+) => {
        concat!(
            "SELECT c.id, c.owner_id, c.display_name, c.reference, c.shared_with_clinic, c.user_id, c.created_at, ",
            "c.updated_at, COALESCE(u.display_name, '') AS owner_name, ",
            $($total,)+
            " AS total FROM (SELECT ",
            client_cols!(),
            " FROM clients ",
            client_filter!(),
            "ORDER BY lower(display_name), id LIMIT $3 OFFSET $4) c ",
            "LEFT JOIN users u ON u.id = c.owner_id ORDER BY lower(c.display_name), c.id"
        )
    };
}
pub(crate) use {client_cols, client_filter, listed_clients_sql};

/// The `LIKE` pattern of a client query's search, `None` when it is blank.
pub(crate) fn search_pattern(query: &ClientQuery) -> Option<String> {
    query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(like_pattern)
}

/// `%text%` for a case-insensitive `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(search: &str) -> String {
    let mut out = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The most characters a client's name may have.
pub(crate) const MAX_CLIENT_NAME: usize = 200;
/// The most characters a clinic reference may have.
pub(crate) const MAX_REFERENCE: usize = 100;

/// A client's name and reference: a name that is not blank, neither over its length.
pub(crate) fn check_client_name(name: &str, reference: Option<&str>) -> Result<(), StoreError> {
    super::non_empty("client name", name)?;
    if name.chars().count() > MAX_CLIENT_NAME {
        return Err(StoreError::Invalid(format!("display_name: at most {MAX_CLIENT_NAME} characters")));
    }
    if reference.is_some_and(|r| r.chars().count() > MAX_REFERENCE) {
        return Err(StoreError::Invalid(format!("reference: at most {MAX_REFERENCE} characters")));
    }
    Ok(())
}

/// A client row with its owner's display name.
#[derive(sqlx::FromRow)]
pub(crate) struct ListedClientRow {
    #[sqlx(flatten)]
    client: Client,
    owner_name: String,
    pub(crate) total: i64,
}

impl From<ListedClientRow> for ListedClient {
    fn from(row: ListedClientRow) -> Self {
        ListedClient { client: row.client, owner_name: row.owner_name }
    }
}

/// Writes the client functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::clients::{ListedClientRow, check_client_name, client_cols, client_filter, listed_clients_sql, search_pattern};
        use $crate::sql::users::{check_new_user, user_cols};

        pub(crate) async fn create_client(db: &$store, new: NewClient) -> Result<Client, StoreError> {
            check_client_name(&new.display_name, new.reference.as_deref())?;
            let now = Timestamp::now().0;
            let row: Client = sqlx::query_as(concat!(
                "INSERT INTO clients (id, owner_id, display_name, reference, shared_with_clinic, user_id, created_at, updated_at) ",
                "VALUES ($1, $2, $3, $4, $5, NULL, $6, $6) RETURNING ",
                client_cols!()
            ))
            .bind(ClientId::new())
            .bind(new.owner)
            .bind(new.display_name.trim())
            .bind(new.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()))
            .bind(new.shared_with_clinic)
            .bind(now)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            Ok(row)
        }

        pub(crate) async fn client(db: &$store, id: ClientId) -> Result<Client, StoreError> {
            sqlx::query_as(concat!("SELECT ", client_cols!(), " FROM clients WHERE id = $1"))
                .bind(id)
                .fetch_optional(&db.pool)
                .await?
                .ok_or(StoreError::NotFound)
        }

        pub(crate) async fn client_for_user(db: &$store, user: UserId) -> Result<Option<Client>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", client_cols!(), " FROM clients WHERE user_id = $1"))
                .bind(user)
                .fetch_optional(&db.pool)
                .await?)
        }

        pub(crate) async fn clients(db: &$store, query: &ClientQuery) -> Result<Vec<Client>, StoreError> {
            Ok(sqlx::query_as(concat!(
                "SELECT ",
                client_cols!(),
                " FROM clients ",
                client_filter!(),
                "ORDER BY lower(display_name), id LIMIT $3 OFFSET $4"
            ))
            .bind(query.visible_to)
            .bind(search_pattern(query))
            // SQLite refuses `LIMIT NULL`, so "no limit" is a bound larger than any table.
            .bind(query.limit.unwrap_or(i64::MAX))
            .bind(query.offset.max(0))
            .fetch_all(&db.pool)
            .await?)
        }

        pub(crate) async fn listed_clients(db: &$store, query: &ClientQuery) -> Result<ClientPage, StoreError> {
            // The page, its owners' names and the total in one round trip: the count is an
            // uncorrelated subquery, evaluated once. The inner query keeps the filter's
            // bare column names unambiguous.
            // Without a search the total is counted the way an index answers it: every client
            // (an administrator), or one owner's plus the shared ones (two index lookups). The
            // general filter's ORs would read every row, on every page view.
            let pattern = search_pattern(query);
            let sql = match (query.visible_to, &pattern) {
                (None, None) => listed_clients_sql!("(SELECT COUNT(*) FROM clients)"),
                (Some(_), None) => listed_clients_sql!("(SELECT COUNT(*) FROM clients WHERE owner_id = $1 OR shared_with_clinic = TRUE)"),
                (_, Some(_)) => listed_clients_sql!("(SELECT COUNT(*) FROM clients ", client_filter!(), ")"),
            };
            let rows: Vec<ListedClientRow> = sqlx::query_as(sql)
                .bind(query.visible_to)
                .bind(pattern)
                .bind(query.limit.unwrap_or(i64::MAX))
                .bind(query.offset.max(0))
                .fetch_all(&db.pool)
                .await?;
            // No row, no total: count on its own (an empty list, or a page past the end).
            let total = match rows.first() {
                Some(row) => row.total,
                None => count_clients(db, query).await?,
            };
            Ok(ClientPage { clients: rows.into_iter().map(ListedClient::from).collect(), total })
        }

        pub(crate) async fn count_clients(db: &$store, query: &ClientQuery) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar::<_, i64>(concat!("SELECT COUNT(*) FROM clients ", client_filter!()))
                .bind(query.visible_to)
                .bind(search_pattern(query))
                .fetch_one(&db.pool)
                .await?)
        }

        pub(crate) async fn update_client(db: &$store, id: ClientId, update: ClientUpdate) -> Result<Client, StoreError> {
            check_client_name(&update.display_name, update.reference.as_deref())?;
            let row: Option<Client> = sqlx::query_as(concat!(
                "UPDATE clients SET display_name = $1, reference = $2, shared_with_clinic = $3, updated_at = $4 ",
                "WHERE id = $5 RETURNING ",
                client_cols!()
            ))
            .bind(update.display_name.trim())
            .bind(update.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()))
            .bind(update.shared_with_clinic)
            .bind(Timestamp::now().0)
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::at_most_one)?;
            row.ok_or(StoreError::NotFound)
        }

        pub(crate) async fn create_client_account(db: &$store, client: ClientId, new: NewUser) -> Result<User, StoreError> {
            check_new_user(&new)?;
            if new.role != Role::Client {
                return Err(StoreError::Invalid("a client account must have the client role".into()));
            }
            let now = Timestamp::now().0;
            let user_id = UserId::new();
            let mut tx = db.pool.begin().await?;
            let row: User = sqlx::query_as(concat!(
                "INSERT INTO users (id, login, display_name, role, password_hash, disabled, must_change_password, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7) RETURNING ",
                user_cols!()
            ))
            .bind(user_id)
            .bind(&new.login)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(&new.password_hash)
            .bind(new.must_change_password)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let linked = sqlx::query("UPDATE clients SET user_id = $1, updated_at = $2 WHERE id = $3 AND user_id IS NULL")
                .bind(user_id)
                .bind(now)
                .bind(client)
                .execute(&mut *tx)
                .await?;
            if linked.rows_affected() == 0 {
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE id = $1").bind(client).fetch_one(&mut *tx).await?;
                return Err(if exists == 0 { StoreError::NotFound } else { StoreError::Conflict });
            }
            tx.commit().await?;
            Ok(row)
        }
    };
}
pub(crate) use queries;
