// simulate.mjs: evaluates API calls against IAM policies with @cloud-copilot/iam-simulate, for
// irsa-fn's end-to-end tests only. The evaluator is AGPL: it runs here, in a separate node
// process, and is never linked into or shipped with irsa-fn.
//
// Usage: node simulate.mjs <node_modules>   (the folder `make node-tools` installs into)
//
// stdin: one JSON list of requests
//   {identityPolicies: [doc], boundaryPolicies: [doc], principal, action, resource,
//    resourceAccount, context: {key: string | [string]}, policyNames: [string], resourcePolicy: doc}
// policyNames (optional) name the identity policies, then the boundary, in the explanation.
// resourcePolicy (optional) is the resource's own policy: a KMS key's key policy, a bucket policy.
// The simulator evaluates it as AWS does: in the same account an allow in the identity policies
// or in the resource policy suffices, except for a KMS key, whose key policy must allow the
// account (a statement whose Principal is the account) before the identity policies count at
// all. A call on a KMS key without a resource policy is therefore denied.
// stdout: one JSON list of results, in the same order
//   {result: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error",
//    errors: [string], explanation: object}
//
// Every problem the simulator reports (an unknown action, a resource of the wrong type for the
// action, a context key of the wrong type, an invalid policy, a context key it ignores because it
// does not apply to the action) is a result "Error" with its errors, never a denial.

import { createRequire } from 'node:module'
import path from 'node:path'

const modules = process.argv[2]
if (!modules) {
  process.stderr.write('usage: node simulate.mjs <node_modules>\n')
  process.exit(2)
}
const require = createRequire(path.join(path.resolve(modules), 'irsa-fn-iamsim.js'))
const { runSimulation, typeForContextKey, isConditionKeyArray } = require('@cloud-copilot/iam-simulate')

const fields = new Set(['identityPolicies', 'boundaryPolicies', 'principal', 'action', 'resource', 'resourceAccount', 'context', 'policyNames', 'resourcePolicy'])

// check returns what is wrong with a request's shape: the simulator would otherwise fill in
// defaults and evaluate something other than what the test meant.
function check(req) {
  const errs = []
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return ['a request is not an object']
  for (const k of Object.keys(req)) if (!fields.has(k)) errs.push(`unknown request field ${k}`)
  for (const k of ['principal', 'action', 'resource', 'resourceAccount']) {
    if (typeof req[k] !== 'string' || req[k] === '') errs.push(`request field ${k} must be a non-empty string`)
  }
  if (!Array.isArray(req.identityPolicies)) errs.push('identityPolicies must be a list of policy documents')
  if (req.boundaryPolicies !== undefined && !Array.isArray(req.boundaryPolicies)) errs.push('boundaryPolicies must be a list of policy documents')
  if (req.resourcePolicy !== undefined && (req.resourcePolicy === null || typeof req.resourcePolicy !== 'object' || Array.isArray(req.resourcePolicy))) errs.push('resourcePolicy must be a policy document')
  if (req.policyNames !== undefined && !(Array.isArray(req.policyNames) && req.policyNames.every((n) => typeof n === 'string'))) errs.push('policyNames must be a list of strings')
  for (const [k, v] of Object.entries(req.context ?? {})) {
    const ok = typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))
    if (!ok) errs.push(`context ${k}: a string or a list of strings, not ${JSON.stringify(v)}`)
  }
  return errs
}

// asList turns the simulator's one-or-many explain fields into a list.
const asList = (v) => (v === undefined ? [] : [].concat(v))

// statements summarises the statements of an analysis that name the action: the ones that decide
// the call, or that came close (right action, wrong resource or condition).
function statements(analysis) {
  if (!analysis) return undefined
  const out = []
  for (const [kind, list] of [['allow', analysis.allowStatements], ['deny', analysis.denyStatements], ['unmatched', analysis.unmatchedStatements]]) {
    for (const s of list ?? []) {
      if (!s.actionMatch) continue
      const e = s.explain ?? {}
      out.push({
        kind,
        policy: s.policyId,
        ...(s.principalMatch ? { principalMatch: s.principalMatch } : {}),
        statement: e.identifier,
        effect: e.effect,
        resourceMatch: s.resourceMatch,
        conditionMatch: s.conditionMatch,
        resources: asList(e.resources).map((r) => ({ resource: r.resource, matches: r.matches, ...(r.mismatchReason ? { why: r.mismatchReason } : {}), ...(r.errors ? { errors: r.errors } : {}) })),
        ...(e.conditions ? { conditions: asList(e.conditions) } : {})
      })
    }
  }
  return { result: analysis.result, statements: out }
}

function explain(analysis) {
  if (!analysis) return undefined
  return {
    result: analysis.result,
    ...(analysis.blockedBy?.length ? { blockedBy: analysis.blockedBy } : {}),
    identity: statements(analysis.identityAnalysis),
    ...(analysis.resourceAnalysis ? { resourcePolicy: statements(analysis.resourceAnalysis) } : {}),
    ...(analysis.permissionBoundaryAnalysis ? { permissionsBoundary: statements(analysis.permissionBoundaryAnalysis) } : {})
  }
}

// checkContext returns what is wrong with the request context by the simulator's own key types:
// an unknown key, a list for a single-valued key, a Bool that is neither true nor false. The
// simulator would otherwise evaluate such a call quietly.
async function checkContext(context) {
  const errs = []
  for (const [k, v] of Object.entries(context ?? {})) {
    let type
    try {
      type = await typeForContextKey(k)
    } catch (err) {
      errs.push(`context ${k}: ${err?.message ?? err}`)
      continue
    }
    if (Array.isArray(v) && !isConditionKeyArray(type)) errs.push(`context ${k}: a list for a single-valued key of type ${type}`)
    const values = [].concat(v)
    if (/Bool/.test(type) && !values.every((s) => s === 'true' || s === 'false')) errs.push(`context ${k}: ${type} must be "true" or "false"`)
  }
  return errs
}

// unusable are the reasons a policy resource fails to match that mean the simulator could not
// compare it (an invalid ARN, a policy variable without its context key), not that it differs.
const unusable = new Set(['invalidPolicyResourceArn', 'requestMissingResource', 'unresolvablePolicyVariable', 'shortArnExpandedMismatch'])

// evaluationErrors collects what the simulator could not evaluate in the statements that name
// the action: a condition value it cannot compare, a resource it cannot match. Such a statement
// counts as "no match", which must not pass for a denial.
function evaluationErrors(explanation) {
  const out = []
  const collect = (v) => {
    if (Array.isArray(v)) v.forEach(collect)
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'errors' && Array.isArray(x)) out.push(...x)
        else collect(x)
      }
    }
  }
  for (const e of [].concat(explanation)) {
    for (const analysis of [e?.identity, e?.resourcePolicy, e?.permissionsBoundary]) {
      for (const st of analysis?.statements ?? []) {
        collect(st.conditions)
        for (const r of st.resources) if (unusable.has(r.why)) out.push(`${st.policy} statement ${st.statement}: ${r.resource}: ${r.why} ${(r.errors ?? []).join(' ')}`.trim())
      }
    }
  }
  return out
}

async function simulate(req) {
  const errs = check(req)
  if (errs.length) return { result: 'Error', errors: errs }
  const contextErrs = await checkContext(req.context)
  if (contextErrs.length) return { result: 'Error', errors: contextErrs }
  const names = req.policyNames ?? []
  const named = (docs, prefix, offset) => docs.map((policy, i) => ({ name: names[offset + i] ?? `${prefix}${i + 1}`, policy }))
  const simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount },
      contextVariables: req.context ?? {}
    },
    identityPolicies: named(req.identityPolicies, 'identity-', 0),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    ...(req.boundaryPolicies?.length ? { permissionBoundaryPolicies: named(req.boundaryPolicies, 'boundary-', req.identityPolicies.length) } : {})
  }
  const res = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (res.resultType === 'error') {
    return { result: 'Error', errors: [`${res.errors.message} (${req.action} on ${req.resource})`, JSON.stringify(res.errors)] }
  }
  const results = res.resultType === 'single' ? [res.result] : res.results
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))]
  if (ignored.length) {
    return {
      result: 'Error',
      errors: [`the simulator ignores context keys that do not apply to ${req.action} on this resource: ${ignored.join(', ')}`],
      explanation: results.map((r) => explain(r.analysis))
    }
  }
  if (results.length === 0) {
    // A resource pattern (fleet/*) that no statement applies to: nothing allows it.
    return { result: res.overallResult, explanation: { note: `no statement applies to a resource matching ${req.resource}` } }
  }
  const explanation = res.resultType === 'single' ? explain(res.result.analysis) : results.map((r) => ({ resource: r.resourcePattern, ...explain(r.analysis) }))
  const evalErrs = evaluationErrors(explanation)
  if (evalErrs.length) return { result: 'Error', errors: [...new Set(evalErrs)], explanation }
  return { result: res.overallResult, explanation }
}

async function main() {
  let input = ''
  for await (const chunk of process.stdin) input += chunk
  const requests = JSON.parse(input)
  if (!Array.isArray(requests)) throw new Error('stdin must hold one JSON list of requests')
  const out = []
  for (const req of requests) {
    try {
      out.push(await simulate(req))
    } catch (err) {
      out.push({ result: 'Error', errors: [`the simulator failed: ${err?.stack ?? err}`] })
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch((err) => {
  process.stderr.write(`simulate.mjs: ${err?.stack ?? err}\n`)
  process.exit(1)
})
