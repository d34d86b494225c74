#!/usr/bin/env node
// Usage: select-crd-versions.js CRD_DIR Kind@version:file.yaml...
// Prints (YAML stream) each named CRD with only the named version in spec.versions, for `cdk8s import`.
// Fails when a file has no CRD of that kind or the CRD has no such version, so that a CRD upgrade that drops
// the version we write is noticed here and not at apply time.
'use strict';
const fs = require('fs');
const path = require('path');
const { parseAllDocuments, stringify } = require('yaml');

const [dir, ...selections] = process.argv.slice(2);
if (!dir || selections.length === 0) {
  process.stderr.write('usage: select-crd-versions.js CRD_DIR Kind@version:file.yaml...\n');
  process.exit(2);
}
const out = [];
for (const selection of selections) {
  const match = /^([A-Za-z]+)@([a-z0-9]+):(.+)$/.exec(selection);
  if (!match) throw new Error(`'${selection}' is not Kind@version:file`);
  const [, kind, version, file] = match;
  const crds = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS())
    .filter((d) => d && d.kind === 'CustomResourceDefinition' && d.spec?.names?.kind === kind);
  if (crds.length !== 1) throw new Error(`${file}: expected one CustomResourceDefinition of kind ${kind}, found ${crds.length}`);
  const crd = crds[0];
  const versions = crd.spec.versions.filter((v) => v.name === version);
  if (versions.length !== 1) {
    throw new Error(`${file}: ${kind} has no version ${version} (it has ${crd.spec.versions.map((v) => v.name).join(', ')})`);
  }
  out.push(stringify({ ...crd, spec: { ...crd.spec, versions } }));
}
process.stdout.write(out.join('---\n'));
