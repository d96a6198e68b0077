/**
 * The AWS SDK is pinned by the lockfile; its notice that releases after January 2027 need Node.js 22
 * would otherwise repeat in every test file's output (and in every `labs` subprocess the tests start).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
