// simulate.mjs evaluates IAM requests against policies with
// @cloud-copilot/iam-simulate (pinned in .tools/package-lock.json), offline.
// It is driven by test/access_policy_test.go.
//
// Usage: node test/iamsim/simulate.mjs <input.json>
//
// input.json: {"identityPolicies": [{"name", "policy"}], "resourcePolicy": {...} | null,
//   "requests": [{"id", "principal", "action", "resource", "accountId", "context": {k: v | [v]}}]}
// stdout: {"results": [{"id", "decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//   "ignoredContextKeys": [keys of "context" the action and resource do not carry, which the
//   simulator ignored], "error": "<validation errors, if the simulator rejected the request>"}]}
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// Resolve the package from the repository's .tools/node_modules, whatever
// the working directory.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(join(root, '.tools', 'package.json'))
const { runSimulation } = await import(pathToFileURL(require.resolve('@cloud-copilot/iam-simulate')).href)

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const results = []
for (const r of input.requests) {
  const simulation = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.accountId },
      contextVariables: r.context ?? {},
    },
    identityPolicies: input.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  if (input.resourcePolicy) simulation.resourcePolicy = input.resourcePolicy
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    results.push({ id: r.id, error: JSON.stringify(response.errors) })
  } else if (response.resultType === 'single') {
    results.push({ id: r.id, decision: response.overallResult, ignoredContextKeys: response.result.ignoredContextKeys ?? [] })
  } else {
    results.push({ id: r.id, error: `unexpected result type ${response.resultType} (a wildcard in the request?)` })
  }
}
process.stdout.write(JSON.stringify({ results }, null, 1) + '\n')
