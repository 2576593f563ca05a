// Package gen writes synthetic but realistic ResourceLists for the benchmark: objects of mixed
// kinds across namespaces, with comments and long strings, and bindings that each claim several
// workloads by name and by selector and carry several policies.
package gen

import (
	"fmt"
	"io"
	"math/rand"
	"strings"
)

// Size is a benchmark input size.
type Size struct {
	Objects, Bindings int
}

// Write writes a ResourceList of s.Objects objects (bindings' workloads included) and
// s.Bindings bindings, with an IRSAConfig as the function config, deterministically for a seed.
func Write(w io.Writer, s Size, seed int64) error {
	r := rand.New(rand.NewSource(seed))
	namespaces := max(1, s.Objects/100)
	long := strings.Repeat("lorem ipsum dolor sit amet ", 80) // about 2 KiB
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	item := func(doc string) {
		for i, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	objects := 0
	for j := 0; j < s.Bindings; j++ {
		ns := fmt.Sprintf("ns-%d", j%namespaces)
		for k := 0; k < 3; k++ {
			item(deployment(fmt.Sprintf("app-%d-%d", j, k), ns, fmt.Sprintf("team-%d", j)))
		}
		item(cronJob(fmt.Sprintf("job-%d", j), ns, fmt.Sprintf("binding-%d", j)))
		objects += 4
		item(binding(j, ns))
	}
	for objects < s.Objects {
		ns := fmt.Sprintf("ns-%d", r.Intn(namespaces))
		name := fmt.Sprintf("obj-%d", objects)
		switch r.Intn(5) {
		case 0, 1:
			item(configMap(name, ns, long))
		case 2:
			item(service(name, ns))
		case 3:
			item(deployment(name, ns, "unbound"))
		default:
			item(statefulSet(name, ns))
		}
		objects++
	}
	b.WriteString(`functionConfig:
  apiVersion: irsa.dev/v1alpha1
  kind: IRSAConfig
  metadata:
    name: bench
  spec:
    clusters:
      - name: bench
        oidcIssuer: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E
    defaults:
      role:
        accountID: "123456789012"
        tags: {cost-center: "4711", owner: platform}
`)
	_, err := io.WriteString(w, b.String())
	return err
}

func deployment(name, ns, team string) string {
	return fmt.Sprintf(`# Deployment %[1]s, owned by %[3]s.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels: {app: %[1]s, team: %[3]s}
spec:
  replicas: 2
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
        - name: app # the main container
          image: registry.example.com/%[1]s:1.0.0
          env: [{name: MODE, value: production}]
          resources: {requests: {cpu: 100m, memory: 128Mi}}
`, name, ns, team)
}

func cronJob(name, ns, binding string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: %s
  namespace: %s
  labels: {irsa: %s}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: job, image: registry.example.com/job:1.0.0}]
`, name, ns, binding)
}

func configMap(name, ns, long string) string {
	return fmt.Sprintf(`# Settings of %[1]s.
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s
  namespace: %[2]s
data:
  description: "%[3]s"
  flag: "true"
  port: "8080"
`, name, ns, long)
}

func service(name, ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  selector: {app: %s}
  ports: [{port: 80, targetPort: 8080}]
`, name, ns, name)
}

func statefulSet(name, ns string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  serviceName: %[1]s
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers: [{name: db, image: registry.example.com/db:1.0.0}]
`, name, ns)
}

func binding(j int, ns string) string {
	return fmt.Sprintf(`apiVersion: irsa.dev/v1alpha1
kind: IRSABinding
metadata:
  name: binding-%[1]d
  namespace: %[2]s
spec:
  serviceAccounts:
    - name: sa-%[1]d
    - name: sa-%[1]d-jobs
      tokenExpiration: 3600
  policies:
    managed: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
    inline:
      - name: data
        statements:
          - actions: [s3:GetObject, s3:PutObject]
            resources: ["arn:aws:s3:::bucket-%[1]d/*"]
          - actions: [sqs:SendMessage, sqs:ReceiveMessage, sqs:DeleteMessage]
            resources: ["arn:aws:sqs:eu-west-1:123456789012:queue-%[1]d"]
          - actions: [dynamodb:GetItem, dynamodb:Query]
            resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/table-%[1]d"]
            conditions: {StringEquals: {aws:RequestedRegion: eu-west-1}}
  workloads:
    - {kind: Deployment, name: app-%[1]d-0}
    - {kind: Deployment, name: app-%[1]d-1}
    - {kind: Deployment, name: app-%[1]d-2}
    - {selector: {matchLabels: {irsa: binding-%[1]d}}, serviceAccount: sa-%[1]d-jobs}
`, j, ns)
}
