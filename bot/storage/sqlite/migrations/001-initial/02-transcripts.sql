-- legacy: transcript/001-create
CREATE TABLE transcript_activities (
  channel_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  timestamp TEXT NOT NULL, -- Date#toISOString(): fixed width UTC, so text order is time order
  role TEXT,
  type TEXT,
  activity TEXT NOT NULL,
  PRIMARY KEY (channel_id, conversation_id, sequence)
);
CREATE INDEX transcript_activities_timestamp ON transcript_activities (timestamp);
