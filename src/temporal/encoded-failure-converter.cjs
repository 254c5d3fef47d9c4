// Loaded by path (Temporal requires it in the worker, the workflow bundle and clients): with
// encryption on, error messages and stack traces travel inside an encoded payload, so the codec
// encrypts them like every other payload. Plain CommonJS so every loader can require it.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
