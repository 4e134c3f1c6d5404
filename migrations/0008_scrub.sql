-- Set in the same transaction as an erasure or a retention run, cleared once the write-ahead
-- log has been emptied. A desk killed in between finds it set when it opens again and empties
-- the log then, so the erased text never outlives the crash in older log frames.
ALTER TABLE privacy_settings ADD COLUMN scrub_pending INTEGER NOT NULL DEFAULT 0 CHECK (scrub_pending IN (0, 1));
