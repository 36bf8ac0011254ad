-- Secrets the bot generates when none is configured (the local agent token, the web chat signing key),
-- made once for every instance: the first instance to store one wins.
CREATE TABLE generated_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
