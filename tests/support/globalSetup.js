// Jest global setup: the throwaway PostgreSQL cluster's folder for this run (started on first use).
module.exports = () => require('./postgres').setup();
