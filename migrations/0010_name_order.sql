-- Clients listed in the clinic's alphabetical order (collation.rs): each name's ICU sort key,
-- empty for no name (erased or restricted). The index serves the short-query name list: the
-- prefix range on name_fold, then the order by key, without reading the rows.
ALTER TABLE clients ADD COLUMN name_key BLOB NOT NULL DEFAULT x'';
DROP INDEX clients_name_fold;
CREATE INDEX clients_name_fold ON clients (name_fold, name_key);

-- What the stored folds, keys and search texts were made with. An empty order makes the first
-- open after this migration rebuild them all (search.rs, ensure_current).
CREATE TABLE search_state (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    fold_version INTEGER NOT NULL,
    name_order TEXT NOT NULL
);
INSERT INTO search_state (one, fold_version, name_order) VALUES (1, 1, '');
