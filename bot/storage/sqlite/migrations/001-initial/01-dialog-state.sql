-- legacy: storage/001-create
CREATE TABLE storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag INTEGER NOT NULL);
-- eTags come from one counter that never goes back, so a key that is deleted and
-- re-created never reuses an eTag a stale reader might still hold.
CREATE TABLE storage_etag (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO storage_etag (id, value) VALUES (1, 0);
