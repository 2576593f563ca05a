package wellknown

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/irsa-dev/irsa-fn/diag"
	"github.com/irsa-dev/irsa-fn/iampolicy"
)

// example gives each add-on the parameters a user would.
var example = map[string]Params{
	"external-dns":                 {HostedZoneIDs: []string{"Z0123456789ABCDEFGHIJ"}},
	"cert-manager":                 {HostedZoneIDs: []string{"Z0123456789ABCDEFGHIJ"}},
	"cluster-autoscaler":           {ClusterName: "prod"},
	"aws-load-balancer-controller": {},
	"ebs-csi-driver":               {KMSKeyARNs: []string{"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
	"efs-csi-driver":               {},
	"external-secrets":             {SecretARNs: []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*"}, ParameterARNs: []string{"arn:aws:ssm:eu-west-1:123456789012:parameter/prod/*"}},
	"velero":                       {BucketNames: []string{"prod-backups"}},
	"karpenter-controller":         {ClusterName: "prod", Region: "eu-west-1"},
}

// withContext places the example in a partition, its ARNs included.
func withContext(p Params, partition string) Params {
	p.Partition, p.AccountID = partition, "123456789012"
	in := func(arns []string) []string {
		out := make([]string, len(arns))
		for i, a := range arns {
			out[i] = strings.Replace(a, "arn:aws:", "arn:"+partition+":", 1)
		}
		return out
	}
	p.KMSKeyARNs, p.SecretARNs, p.ParameterARNs = in(p.KMSKeyARNs), in(p.SecretARNs), in(p.ParameterARNs)
	return p
}

func TestEveryAddonBuildsAValidPolicy(t *testing.T) {
	if len(example) != len(Names()) {
		t.Fatalf("examples for %d add-ons, %d add-ons", len(example), len(Names()))
	}
	for _, name := range Names() {
		for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
			t.Run(name+"/"+partition, func(t *testing.T) {
				p := withContext(example[name], partition)
				if problems := Check(name, p); len(problems) > 0 {
					t.Fatalf("problems: %v", problems)
				}
				policy := Build(name, p)
				if len(policy.Inline)+len(policy.Managed) == 0 {
					t.Fatal("an empty policy")
				}
				total := 0
				for _, d := range policy.Inline {
					var l diag.List
					iampolicy.CheckPermissions(d.Document, diag.NewPath(d.Name), nil, iampolicy.Findings{}, &l)
					if l.HasErrors() {
						t.Errorf("%s is not a valid policy: %v", d.Name, l)
					}
					total += d.Document.Size()
					if json := d.Document.JSON(); strings.Contains(json, "arn:aws:") && partition != "aws" {
						t.Errorf("%s names the aws partition in %s:\n%s", d.Name, partition, json)
					}
				}
				if total > 10240 {
					t.Errorf("%d characters: over the inline policies quota", total)
				}
				for _, arn := range policy.Managed {
					if !strings.HasPrefix(arn, "arn:"+partition+":iam::aws:policy/") {
						t.Errorf("managed ARN %s", arn)
					}
				}
			})
		}
	}
}

func TestScoping(t *testing.T) {
	p := withContext(example["external-dns"], "aws")
	dns := Build("external-dns", p).Inline[0].Document.JSON()
	if !strings.Contains(dns, `"arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"`) || strings.Contains(dns, "hostedzone/*") {
		t.Errorf("external-dns is not scoped to its zone:\n%s", dns)
	}
	ca := Build("cluster-autoscaler", withContext(example["cluster-autoscaler"], "aws")).Inline[0].Document.JSON()
	if !strings.Contains(ca, `"aws:ResourceTag/k8s.io/cluster-autoscaler/prod": "owned"`) {
		t.Errorf("cluster-autoscaler may change other clusters' groups:\n%s", ca)
	}
	k := Build("karpenter-controller", withContext(example["karpenter-controller"], "aws")).Inline[0].Document.JSON()
	for _, want := range []string{
		"arn:aws:iam::123456789012:role/KarpenterNodeRole-prod", "arn:aws:sqs:eu-west-1:123456789012:prod",
		`"aws:ResourceTag/kubernetes.io/cluster/prod": "owned"`, "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
		"arn:aws:ec2:eu-west-1:123456789012:instance/*", "arn:aws:ec2:eu-west-1::image/*", "arn:aws:ssm:eu-west-1::parameter/aws/service/*",
	} {
		if !strings.Contains(k, want) {
			t.Errorf("karpenter lacks %s", want)
		}
	}
	// IAM matches an ARN segment by segment: an empty account matches only AWS-owned resources.
	for _, arn := range regexp.MustCompile(`arn:aws:ec2:eu-west-1::[a-z-]+/`).FindAllString(k, -1) {
		if !strings.HasSuffix(arn, "::image/") && !strings.HasSuffix(arn, "::snapshot/") {
			t.Errorf("karpenter names %s* without an account: no resource of the account matches", arn)
		}
	}
	eso := Build("external-secrets", withContext(example["external-secrets"], "aws")).Inline[0].Document.JSON()
	for _, want := range []string{"secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"} {
		if !strings.Contains(eso, want) {
			t.Errorf("external-secrets lacks %s, which dataFrom.find calls", want)
		}
	}
	cm := Build("cert-manager", withContext(example["cert-manager"], "aws")).Inline[0].Document.JSON()
	if !strings.Contains(cm, `"route53:ChangeResourceRecordSetsRecordTypes": "TXT"`) {
		t.Errorf("cert-manager may write other records than TXT:\n%s", cm)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		p     Params
		field string
	}{
		{"external-dns", Params{}, "hostedZoneIDs"},
		{"velero", Params{}, "bucketNames"},
		{"external-secrets", Params{}, "secretARNs"},
		{"cluster-autoscaler", Params{}, "clusterName"},
		{"karpenter-controller", Params{ClusterName: "x"}, "region"},
		{"efs-csi-driver", Params{BucketNames: []string{"b"}}, "bucketNames"},
		{"external-dns", Params{HostedZoneIDs: []string{"Z1"}, SecretARNs: []string{"arn:x"}}, "secretARNs"},
		{"nginx", Params{}, "name"},
		{"velero", Params{Partition: "aws-cn", BucketNames: []string{"b"}, KMSKeyARNs: []string{"arn:aws:kms:eu-west-1:1:key/x"}}, "kmsKeyARNs"},
	}
	for _, tt := range tests {
		problems := Check(tt.name, tt.p)
		if len(problems) == 0 || problems[0].Field != tt.field || problems[0].Allowed == "" {
			t.Errorf("%s %+v: problems %v, want one at %s saying what is allowed", tt.name, tt.p, problems, tt.field)
		}
	}
}

// TestCheckIsDeterministic gives Check parameters with several problems, among them several of
// one field, and requires the same problems in the same order every time.
func TestCheckIsDeterministic(t *testing.T) {
	p := Params{
		Partition:            "aws-cn",
		BucketNames:          []string{"b"},
		NodeRoleARN:          "arn:aws:iam::123456789012:role/n",
		InterruptionQueueARN: "arn:aws:sqs:eu-west-1:123456789012:q",
	}
	for i := 0; i < 10; i++ {
		p.KMSKeyARNs = append(p.KMSKeyARNs, fmt.Sprintf("arn:aws:kms:eu-west-1:123456789012:key/%d", i))
		p.SecretARNs = append(p.SecretARNs, fmt.Sprintf("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:%d", i))
		p.ParameterARNs = append(p.ParameterARNs, fmt.Sprintf("arn:aws:ssm:eu-west-1:123456789012:parameter/%d", i))
	}
	first := Check("karpenter-controller", p)
	if len(first) < 30 {
		t.Fatalf("%d problems, want at least 30: %v", len(first), first)
	}
	for i := 0; i < 200; i++ {
		if got := Check("karpenter-controller", p); !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d gave\n%v\nthe first gave\n%v", i, got, first)
		}
	}
	// Within a field, problems keep the order of the values.
	var kms []string
	for _, pr := range first {
		if pr.Field == "kmsKeyARNs" && strings.Contains(pr.Message, "partition") {
			kms = append(kms, pr.Message)
		}
	}
	for i, m := range kms {
		if !strings.Contains(m, fmt.Sprintf("key/%d\"", i)) {
			t.Errorf("problem %d of kmsKeyARNs is %q", i, m)
		}
	}
}
