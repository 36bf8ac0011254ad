// Jest global teardown: stops this run's PostgreSQL cluster, if a test started one, and deletes it.
module.exports = () => require('./postgres').teardown();
