/**
 * One compiled ASL schema for local Step Functions.
 *
 * aws-local-stepfunctions validates a definition with asl-validator, whose schema check builds a new Ajv and compiles
 * the whole ASL schema for every definition it is given: about 0.2 s of CPU each, and local mode registers nine
 * state machines at every start (1.5–2 s of the main thread on the way to "ready"). {@link shareAslSchema} replaces
 * that check, in the copy of asl-validator aws-local-stepfunctions loads, with one that compiles the schema once per
 * option set and validates every later definition against it. What it answers is unchanged: the same schemas, the
 * same formats, the same choice among Ajv's errors (test/local/endpoints/asl-schema.test.ts compares the two on
 * valid and broken definitions). asl-validator's other checks (transitions, terminal states…) run as before.
 */
import { createRequire } from 'node:module';

/** What asl-validator's schema check returns: one entry per error. */
interface SchemaError {
  'Error code': string;
  Message: string;
  schemaError: { instancePath: string; schemaPath: string };
}

type Options = { checkPaths?: boolean; checkArn?: boolean };
type SchemaCheck = (definition: unknown, options: Options) => SchemaError[];

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
}

interface Ajv {
  validate(schemaId: string, data: unknown): boolean;
  errors?: AjvError[] | null;
  addFormat(name: string, format: (value: string) => boolean): void;
}

/** The schema every definition is checked against (asl-validator's root schema). */
const ROOT_SCHEMA = 'http://asl-validator.cloud/state-machine.json#';

/** asl-validator's schema files, in the order it registers them. */
const SCHEMA_FILES = [
  'common',
  'paths',
  'jsonata',
  'choice',
  'fail',
  'parallel',
  'pass',
  'base-state-machine',
  'state-machine',
  'state',
  'succeed',
  'task',
  'wait',
  'map',
  'errors',
];

/** The entry file of the asl-validator aws-local-stepfunctions imports (it may carry its own copy). */
export function aslValidatorEntry(): string {
  const engine = createRequire(import.meta.url).resolve('aws-local-stepfunctions');
  return createRequire(engine).resolve('asl-validator');
}

/** asl-validator's schema-check module, as the validator at `entry` requires it. */
export function schemaCheckModule(entry = aslValidatorEntry()): { jsonSchemaErrors: SchemaCheck } {
  return createRequire(entry)('./checks/json-schema-errors.js') as { jsonSchemaErrors: SchemaCheck };
}

/** An Ajv set up as asl-validator sets up its own for these options; compiled on its first use. */
function buildAjv(req: NodeJS.Require, options: Options): Ajv {
  const load = <T>(id: string): T => {
    const mod = req(id) as { default?: T };
    return (mod.default ?? mod) as T;
  };
  const AjvClass = load<new (o: unknown) => Ajv>('ajv');
  const addFormats = load<(ajv: Ajv) => void>('ajv-formats');
  const jsonata = load<(expr: string) => unknown>('jsonata');
  const { registerAll } = req('asl-path-validator') as { registerAll: (ajv: Ajv) => void };
  const { isArnFormatValid } = req('./checks/formats.js') as { isArnFormatValid: (v: string) => boolean };
  const ajv = new AjvClass({
    schemas: SCHEMA_FILES.map((name) => req(`./schemas/${name}.json`)),
    allowUnionTypes: true,
  });
  addFormats(ajv);
  const jsonataString = (value: string): boolean => {
    let expr = value.trim();
    if (expr.startsWith('{%')) expr = expr.slice(2);
    if (expr.endsWith('%}')) expr = expr.slice(0, -2);
    try {
      jsonata(expr);
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat('jsonata_string', jsonataString);
  ajv.addFormat('maybe_jsonata_string', (value) => {
    const trimmed = value.trim();
    return trimmed.startsWith('{%') || trimmed.endsWith('%}') ? jsonataString(trimmed) : true;
  });
  if (options.checkPaths) registerAll(ajv);
  else
    for (const name of ['asl_path', 'asl_ref_path', 'asl_payload_template', 'asl_result_path'])
      ajv.addFormat(name, () => true);
  ajv.addFormat('asl_arn', options.checkArn ? isArnFormatValid : () => true);
  return ajv;
}

/**
 * The errors asl-validator reports out of Ajv's: those at the deepest instance path, and of a path where a `oneOf`
 * failed only the `oneOf` error (a `oneOf` tries every branch, and each branch adds errors that say nothing about the
 * value's real mistake), each (schema path, instance path) once.
 */
function selectErrors(errors: readonly AjvError[]): SchemaError[] {
  let deepest = 0;
  let selected: AjvError[] = [];
  for (const error of errors) {
    const depth = error.instancePath.split('/').length;
    if (depth > deepest) {
      selected = [error];
      deepest = depth;
    } else if (depth === deepest) selected.push(error);
  }
  const oneOfPaths = new Set(selected.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: SchemaError[] = [];
  for (const e of selected) {
    if (e.keyword !== 'oneOf' && oneOfPaths.has(e.instancePath)) continue;
    const schemaPath = decodeURIComponent(e.schemaPath);
    const key = JSON.stringify([schemaPath, e.instancePath]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      'Error code': 'SCHEMA_VALIDATION_FAILED',
      Message: `${e.instancePath} is invalid. ${e.message ?? ''}`,
      schemaError: { instancePath: e.instancePath, schemaPath },
    });
  }
  return out;
}

/** A schema check that compiles once per option set (see the module comment). */
export function sharedSchemaCheck(): SchemaCheck {
  const req = createRequire(aslValidatorEntry());
  const compiled = new Map<string, Ajv>();
  return (definition, options) => {
    const key = `${Boolean(options.checkPaths)}/${Boolean(options.checkArn)}`;
    let ajv = compiled.get(key);
    if (!ajv) {
      ajv = buildAjv(req, options);
      compiled.set(key, ajv);
    }
    return ajv.validate(ROOT_SCHEMA, definition) || !ajv.errors ? [] : selectErrors(ajv.errors);
  };
}

let shared = false;

/** Installs {@link sharedSchemaCheck} in place of asl-validator's own (once per process). */
export function shareAslSchema(): void {
  if (shared) return;
  schemaCheckModule().jsonSchemaErrors = sharedSchemaCheck();
  shared = true;
}
