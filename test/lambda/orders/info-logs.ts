/** Imported after handler-env by tests that read a handler's info lines: the handlers read the level at load. */
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
