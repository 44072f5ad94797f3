//! The [`Store`](super::Store) implementation shared by both backends. `QueryBuilder` writes
//! each backend's placeholders, so one text of SQL serves SQLite and PostgreSQL; the macro
//! instantiates it for a backend's types (generic sqlx code would need a wall of higher-ranked
//! bounds instead). A backend brings its pool, its migrations and its `initiatives.sql`.

/// Rows a multi-row INSERT carries: at most 14 columns × 500 stays well under the bound-parameter
/// limits of SQLite (32,766) and PostgreSQL (65,535).
pub(crate) const CHUNK: usize = 500;

/// Implements `Store` for `$store` (a struct with a `pool: sqlx::Pool<$db>`).
macro_rules! sql_store {
    ($store:ident, $db:ty, $name:literal, $initiatives_sql:expr) => {
        impl $store {
            /// All authorities, or those with these codes (at most [`CHUNK`](crate::store::sql::CHUNK)), with their awards.
            async fn authorities_where(
                &self,
                codes: Option<&[String]>,
            ) -> Result<Vec<$crate::model::Authority>, $crate::store::StoreError> {
                let among = |q: &mut sqlx::QueryBuilder<'_, $db>, column: &str| {
                    if let Some(codes) = codes {
                        q.push(format!(" WHERE {column} IN ("));
                        let mut list = q.separated(", ");
                        for code in codes {
                            list.push_bind(code.clone());
                        }
                        q.push(")");
                    }
                };
                let mut q =
                    sqlx::QueryBuilder::<$db>::new("SELECT code, kind, name, commune, departement, region, population FROM authorities");
                among(&mut q, "code");
                q.push(" ORDER BY code");
                let rows: Vec<$crate::store::rows::AuthorityRow> = q.build_query_as().fetch_all(&self.pool).await?;
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT authority, CAST(year AS BIGINT) AS year, CAST(arobases AS BIGINT) AS arobases, mentions FROM label_awards",
                );
                among(&mut q, "authority");
                q.push(" ORDER BY authority, year");
                let awards: Vec<$crate::store::rows::AwardRow> = q.build_query_as().fetch_all(&self.pool).await?;
                $crate::store::rows::with_awards(rows, awards)
            }

            /// Sheets with their services and places aggregated into the same row (one row a
            /// sheet keeps start-up reads short), in id order.
            async fn initiatives_where(
                &self,
                which: $crate::store::sql::Which<'_>,
                limit: usize,
            ) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
                self.initiative_rows(which, limit).await?.into_iter().map($crate::model::Initiative::try_from).collect()
            }

            /// The rows of [`Self::initiatives_where`], not read into sheets yet.
            async fn initiative_rows(
                &self,
                which: $crate::store::sql::Which<'_>,
                limit: usize,
            ) -> Result<Vec<$crate::store::rows::InitiativeRow>, $crate::store::StoreError> {
                use $crate::store::sql::Which;
                let mut q = sqlx::QueryBuilder::<$db>::new($initiatives_sql);
                match which {
                    Which::One(id) => q.push(" WHERE i.id = ").push_bind(id),
                    Which::PublishedAfter(after) => q.push(" WHERE i.status = 'published' AND i.id > ").push_bind(after),
                    Which::Source(source) => q.push(" WHERE i.source = ").push_bind(source.to_owned()),
                    Which::AuthorityAfter(code, after) => {
                        q.push(" WHERE i.authority = ").push_bind(code.to_owned()).push(" AND i.id > ").push_bind(after)
                    }
                    Which::Published(ids) | Which::Among(ids) => {
                        let published = if matches!(which, Which::Published(_)) { "i.status = 'published' AND " } else { "" };
                        q.push(" WHERE ").push(published).push("i.id IN (");
                        let mut list = q.separated(", ");
                        for &id in ids {
                            list.push_bind(id);
                        }
                        q.push(")")
                    }
                };
                q.push(" ORDER BY i.id LIMIT ").push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
                Ok(q.build_query_as().fetch_all(&self.pool).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            fn pool_use(&self) -> $crate::store::PoolUse {
                $crate::store::PoolUse::of(&self.pool)
            }

            async fn save_referential(&self, referential: &$crate::referential::Referential) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let edition = i32::from(referential.edition());
                let mut delete = sqlx::QueryBuilder::<$db>::new("DELETE FROM referential_entries WHERE edition = ");
                delete.push_bind(edition);
                delete.build().execute(&mut *tx).await?;
                for chunk in referential.entries().chunks($crate::store::sql::CHUNK) {
                    let mut insert =
                        sqlx::QueryBuilder::<$db>::new("INSERT INTO referential_entries (edition, code, level, parent, label, published) ");
                    insert.push_values(chunk, |mut b, e| {
                        b.push_bind(edition)
                            .push_bind(&e.code)
                            .push_bind($crate::store::rows::level_name(e.level))
                            .push_bind(&e.parent)
                            .push_bind(&e.label)
                            .push_bind(e.published);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn count_initiatives(&self) -> Result<u64, $crate::store::StoreError> {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM initiatives").fetch_one(&self.pool).await?;
                Ok(n as u64)
            }

            async fn authorities(&self) -> Result<Vec<$crate::model::Authority>, $crate::store::StoreError> {
                self.authorities_where(None).await
            }

            async fn authority(&self, code: &str) -> Result<Option<$crate::model::Authority>, $crate::store::StoreError> {
                Ok(self.authorities_where(Some(&[code.to_owned()])).await?.pop())
            }

            async fn published_initiatives(
                &self,
                after: Option<$crate::model::SheetId>,
                limit: usize,
            ) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
                self.initiatives_where($crate::store::sql::Which::PublishedAfter(after.unwrap_or($crate::model::SheetId::MIN)), limit).await
            }

            async fn initiative(&self, id: $crate::model::SheetId) -> Result<Option<$crate::model::Initiative>, $crate::store::StoreError> {
                Ok(self.initiatives_where($crate::store::sql::Which::One(id), 1).await?.pop())
            }

            async fn published_among(
                &self,
                ids: &[$crate::model::SheetId],
            ) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
                let mut found = Vec::with_capacity(ids.len());
                for chunk in ids.chunks($crate::store::sql::CHUNK) {
                    found.extend(self.initiatives_where($crate::store::sql::Which::Published(chunk), chunk.len()).await?);
                }
                Ok(found)
            }

            async fn authorities_among(&self, codes: &[String]) -> Result<Vec<$crate::model::Authority>, $crate::store::StoreError> {
                let mut found = Vec::with_capacity(codes.len());
                for chunk in codes.chunks($crate::store::sql::CHUNK) {
                    found.extend(self.authorities_where(Some(chunk)).await?);
                }
                Ok(found)
            }

            async fn initiatives_among(
                &self,
                ids: &[$crate::model::SheetId],
            ) -> Result<
                Vec<($crate::model::SheetId, Result<$crate::model::Initiative, $crate::store::StoreError>)>,
                $crate::store::StoreError,
            > {
                let mut found = Vec::with_capacity(ids.len());
                for chunk in ids.chunks($crate::store::sql::CHUNK) {
                    let rows = self.initiative_rows($crate::store::sql::Which::Among(chunk), chunk.len()).await?;
                    found.extend(rows.into_iter().map(|row| (row.id(), $crate::model::Initiative::try_from(row))));
                }
                Ok(found)
            }

            async fn initiatives_of_source(&self, source: &str) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
                self.initiatives_where($crate::store::sql::Which::Source(source), usize::MAX).await
            }

            async fn write(
                &self,
                mut batch: $crate::store::WriteBatch,
            ) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
                batch.check()?;
                let mut tx = self.pool.begin().await?;
                mark_service_write(&mut tx).await?;
                for authority in &batch.authorities {
                    upsert_authority(&mut tx, authority).await?;
                }
                for chunk in batch.new_authorities.chunks($crate::store::sql::CHUNK) {
                    insert_missing_authorities(&mut tx, chunk).await?;
                }
                let stamp = $crate::store::now();
                let mut stored = Vec::with_capacity(batch.initiatives.len());
                let mut sheets = std::mem::take(&mut batch.initiatives).into_iter().peekable();
                while sheets.peek().is_some() {
                    let chunk: Vec<_> = sheets.by_ref().take($crate::store::sql::CHUNK).collect();
                    stored.extend(upsert_initiatives(&mut tx, chunk, &stamp).await?);
                }
                for chunk in stored.chunks($crate::store::sql::CHUNK) {
                    replace_children(&mut tx, chunk).await?;
                }
                if let Some(history) = &batch.history {
                    let rows: Vec<_> = stored.iter().zip(&history.entries).collect();
                    for chunk in rows.chunks($crate::store::sql::CHUNK) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO history (initiative, version, at, actor, channel, action, public, reason, changes) ",
                        );
                        insert.push_values(chunk, |mut b, (sheet, e)| {
                            b.push_bind(sheet.id)
                                .push_bind(sheet.version)
                                .push_bind(&stamp)
                                .push_bind(&history.actor.id)
                                .push_bind(history.actor.channel.as_str())
                                .push_bind(e.action)
                                .push_bind(e.public)
                                .push_bind(&e.reason)
                                .push_bind(serde_json::to_string(&e.changes).expect("JSON values serialize"));
                        });
                        insert.build().execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(stored)
            }
        }

        async fn upsert_authority(
            tx: &mut sqlx::Transaction<'_, $db>,
            a: &$crate::model::Authority,
        ) -> Result<(), $crate::store::StoreError> {
            let mut upsert = insert_authorities(std::slice::from_ref(a));
            upsert.push(
                " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name, commune = excluded.commune, \
                 departement = excluded.departement, region = excluded.region, population = excluded.population",
            );
            upsert.build().execute(&mut **tx).await?;
            let mut delete = sqlx::QueryBuilder::<$db>::new("DELETE FROM label_awards WHERE authority = ");
            delete.push_bind(&a.code);
            delete.build().execute(&mut **tx).await?;
            if !a.awards.is_empty() {
                let mut insert = sqlx::QueryBuilder::<$db>::new("INSERT INTO label_awards (authority, year, arobases, mentions) ");
                insert.push_values(&a.awards, |mut b, award| {
                    let mentions = serde_json::to_string(&award.mentions).expect("strings serialize");
                    b.push_bind(&a.code).push_bind(i32::from(award.year)).push_bind(i32::from(award.arobases)).push_bind(mentions);
                });
                insert.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// `INSERT INTO authorities … VALUES …` for these authorities (their awards apart).
        fn insert_authorities(authorities: &[$crate::model::Authority]) -> sqlx::QueryBuilder<'_, $db> {
            let mut insert =
                sqlx::QueryBuilder::<$db>::new("INSERT INTO authorities (code, kind, name, commune, departement, region, population) ");
            insert.push_values(authorities, |mut b, a| {
                b.push_bind(&a.code)
                    .push_bind(a.kind.as_str())
                    .push_bind(&a.name)
                    .push_bind(&a.commune)
                    .push_bind(&a.departement)
                    .push_bind(&a.region)
                    .push_bind(i64::from(a.population));
            });
            insert
        }

        /// Inserts authorities whose code is not stored yet; stored ones keep their name and awards.
        async fn insert_missing_authorities(
            tx: &mut sqlx::Transaction<'_, $db>,
            authorities: &[$crate::model::Authority],
        ) -> Result<(), $crate::store::StoreError> {
            let mut insert = insert_authorities(authorities);
            insert.push(" ON CONFLICT (code) DO NOTHING");
            insert.build().execute(&mut **tx).await?;
            Ok(())
        }

        /// Inserts or updates a chunk of sheets in one statement; ids come back by source and
        /// external id (the order of RETURNING rows is not guaranteed).
        async fn upsert_initiatives(
            tx: &mut sqlx::Transaction<'_, $db>,
            sheets: Vec<$crate::model::NewInitiative>,
            stamp: &str,
        ) -> Result<Vec<$crate::model::Initiative>, $crate::store::StoreError> {
            use sqlx::Row;
            let mut upsert = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO initiatives (source, external_id, authority, title, summary, body, year, website, status, sample, \
                 created_at, updated_at, updated_by, source_data) ",
            );
            upsert.push_values(&sheets, |mut b, s| {
                b.push_bind(&s.source)
                    .push_bind(&s.external_id)
                    .push_bind(&s.authority)
                    .push_bind(&s.title)
                    .push_bind(&s.summary)
                    .push_bind(&s.body)
                    .push_bind(i32::from(s.year))
                    .push_bind(&s.website)
                    .push_bind(s.status.as_str())
                    .push_bind(s.sample)
                    .push_bind(stamp)
                    .push_bind(stamp)
                    .push_bind(&s.updated_by)
                    .push_bind(serde_json::to_string(&s.source_data).expect("strings serialize"));
            });
            upsert.push(
                " ON CONFLICT (source, external_id) DO UPDATE SET authority = excluded.authority, title = excluded.title, \
                 summary = excluded.summary, body = excluded.body, year = excluded.year, website = excluded.website, \
                 status = excluded.status, sample = excluded.sample, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by, source_data = excluded.source_data, version = initiatives.version + 1 \
                 RETURNING id, created_at, source, external_id, version",
            );
            let rows = upsert.build().fetch_all(&mut **tx).await?;
            let mut stored = std::collections::HashMap::with_capacity(rows.len());
            for row in rows {
                let key: (String, String) = (row.try_get(2)?, row.try_get(3)?);
                stored.insert(key, (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?, row.try_get::<i64, _>(4)?));
            }
            sheets
                .into_iter()
                .map(|sheet| {
                    let key = (sheet.source.clone(), sheet.external_id.clone());
                    let (id, created_at, version) = stored
                        .remove(&key)
                        .ok_or_else(|| $crate::store::StoreError::Corrupt(format!("no id returned for sheet {}/{}", key.0, key.1)))?;
                    Ok($crate::model::Initiative { id, created_at, updated_at: stamp.to_owned(), sheet, version })
                })
                .collect()
        }

        /// Replaces the services and places of stored sheets (a chunk small enough for one statement).
        async fn replace_children(
            tx: &mut sqlx::Transaction<'_, $db>,
            sheets: &[$crate::model::Initiative],
        ) -> Result<(), $crate::store::StoreError> {
            for table in ["initiative_services", "places"] {
                let mut delete = sqlx::QueryBuilder::<$db>::new(format!("DELETE FROM {table} WHERE initiative IN ("));
                let mut ids = delete.separated(", ");
                for s in sheets {
                    ids.push_bind(s.id);
                }
                delete.push(")");
                delete.build().execute(&mut **tx).await?;
            }
            let services: Vec<(i64, i32, &String)> =
                sheets.iter().flat_map(|s| s.sheet.services.iter().enumerate().map(move |(i, code)| (s.id, i as i32, code))).collect();
            for chunk in services.chunks($crate::store::sql::CHUNK) {
                let mut insert = sqlx::QueryBuilder::<$db>::new("INSERT INTO initiative_services (initiative, position, service) ");
                insert.push_values(chunk, |mut b, (id, pos, code)| {
                    b.push_bind(*id).push_bind(*pos).push_bind(*code);
                });
                insert.build().execute(&mut **tx).await?;
            }
            let places: Vec<(i64, i32, &$crate::model::Place)> =
                sheets.iter().flat_map(|s| s.sheet.places.iter().enumerate().map(move |(i, p)| (s.id, i as i32, p))).collect();
            for chunk in places.chunks($crate::store::sql::CHUNK) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO places (initiative, position, label, address, postal_code, commune, lon, lat, precision, method) ",
                );
                insert.push_values(chunk, |mut b, (id, pos, p)| {
                    b.push_bind(*id)
                        .push_bind(*pos)
                        .push_bind(&p.label)
                        .push_bind(&p.address)
                        .push_bind(&p.postal_code)
                        .push_bind(&p.commune)
                        .push_bind(p.lon)
                        .push_bind(p.lat)
                        .push_bind($crate::store::rows::serde_name(&p.precision))
                        .push_bind($crate::store::rows::serde_name(&p.method));
                });
                insert.build().execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}

pub(super) use sql_store;

/// Which sheets `initiatives_where` reads.
pub(crate) enum Which<'a> {
    One(crate::model::SheetId),
    /// Published sheets after this id (start-up loads them page by page).
    PublishedAfter(crate::model::SheetId),
    /// Every sheet of a source, whatever its status.
    Source(&'a str),
    /// Every sheet of an authority after this id, whatever its status.
    AuthorityAfter(&'a str, crate::model::SheetId),
    /// The published sheets among these ids (at most [`CHUNK`]).
    Published(&'a [crate::model::SheetId]),
    /// The sheets among these ids, whatever their status (at most [`CHUNK`]).
    Among(&'a [crate::model::SheetId]),
}
