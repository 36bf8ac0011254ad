-- Fan-out between instances: NOTIFY carries only the id; listeners read the rows after the last id seen.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  message jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at ON events (created_at);

-- Agents online: one row per instance and agent, kept alive by that instance's heartbeat.
CREATE TABLE presence (
  instance text NOT NULL,
  agent text NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (instance, agent)
);

-- Fixed-window counters; unlogged: after a server crash the limits start again with full budgets.
CREATE UNLOGGED TABLE rate_limits (
  name text NOT NULL,
  key text NOT NULL,
  window_start bigint NOT NULL,
  window_end bigint NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE INDEX rate_limits_window_end ON rate_limits (window_end);
