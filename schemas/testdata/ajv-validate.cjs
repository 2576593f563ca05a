// Validates documents against irsa-fn's JSON Schemas with ajv (draft 2020-12, strict mode but for
// types and required, every error) and ajv-errors, as the schema tests need it: stdin is
//   {"schemas": [<schema>...], "docs": [{"schema": "<$id>", "doc": <document>}...]}
// and stdout the result of each document, in order:
//   [{"valid": true|false, "errors": [{"instancePath": "/spec/...", "message": "..."}...]}...]
// Modules are found through NODE_PATH (the Go test sets it to $IRSA_NODE_MODULES).
"use strict";
const Ajv2020 = require("ajv/dist/2020").default;
const ajvErrors = require("ajv-errors").default;

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { schemas, docs } = JSON.parse(input);
  // Strict, except for types and required: a rule (allOf, anyOf, oneOf, not) names the fields
  // it checks without repeating the types and properties that the object's own schema gives.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  ajvErrors(ajv);
  for (const s of schemas) ajv.addSchema(s);
  const out = docs.map(({ schema, doc }) => {
    const validate = ajv.getSchema(schema);
    if (!validate) throw new Error("no schema " + schema);
    const valid = validate(doc);
    const errors = (validate.errors || []).map((e) => ({ instancePath: e.instancePath, message: e.message }));
    return { valid, errors };
  });
  process.stdout.write(JSON.stringify(out));
});
