/**
 * The CDK's template validator, loaded once per jest worker (see cloudformation-validate.js). An
 * engine is built once per configuration (the rules the CDK picks for the templates' resource types)
 * and kept: the CDK frees its engine when its app is done, which here only lets go of the handle.
 */
const real = require(require.resolve('@aws/cloudformation-validate', { paths: [require.resolve('aws-cdk-lib')] }));

const engines = new Map();

/**
 * The validator accepts only plain objects whose prototype is its own realm's; a test file's objects
 * come from that file's realm. Plain objects, arrays and maps are copied into this one; anything
 * else (a template, a rule file) is passed as it is.
 */
function here(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(here);
  if (Object.prototype.toString.call(value) === '[object Map]') {
    const copied = new Map();
    Map.prototype.forEach.call(value, (entry, key) => copied.set(here(key), here(entry)));
    return copied;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, here(entry)]));
}

class CompositeEngine {
  constructor(config) {
    const key = JSON.stringify(config ?? {});
    let engine = engines.get(key);
    if (engine === undefined) {
      engine = new real.CompositeEngine(here(config));
      engines.set(key, engine);
    }
    this.engine = engine;
  }

  validateTemplate(template, config) {
    return this.engine.validateTemplate(template, here(config));
  }

  validateStandard(template, config) {
    return this.engine.validateStandard(template, here(config));
  }

  validateDetailed(template, config) {
    return this.engine.validateDetailed(template, here(config));
  }

  validateAwsCliCommand(request) {
    return this.engine.validateAwsCliCommand(request);
  }

  listRules() {
    return this.engine.listRules();
  }

  engineName() {
    return this.engine.engineName();
  }

  free() {}
}

module.exports = { ...real, CompositeEngine };
