/**
 * Imported first by the harness: the function modules build their AWS clients when loaded,
 * and the SDK warns once per process about Node 20 unless this is set before.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
