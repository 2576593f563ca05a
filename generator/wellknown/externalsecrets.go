package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// external-secrets: the read policies of external-secrets/external-secrets v2.9.0,
// docs/provider/aws-secrets-manager.md and docs/provider/aws-parameter-store.md. It reads the
// given secrets and parameters and decrypts them with the given KMS keys; PushSecret's write
// permissions are not granted.
//
// Secrets Manager: ListSecrets and BatchGetSecretValue on * as the docs give them (dataFrom.find
// lists secrets by name or tag and fetches them in batches; BatchGetSecretValue also needs
// GetSecretValue on each secret, so it reads only the given ones), the reads on the given
// secrets. Parameter Store: the docs' ssm:GetParameter* spelled out as the calls the provider
// makes (GetParameter, GetParametersByPath for find by path) with ListTagsForResource for
// metadata, on the given parameters, and DescribeParameters on *, which find by name and by tag
// call and which has no resource.
var externalSecrets = addon{
	oneOf:    []param{pSecrets, pParameters},
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		var statements []iampolicy.Statement
		if len(p.SecretARNs) > 0 {
			statements = append(statements,
				allow([]string{"secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"}, all(), nil),
				allow([]string{
					"secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue",
					"secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
				}, p.SecretARNs, nil),
			)
		}
		if len(p.ParameterARNs) > 0 {
			statements = append(statements,
				allow([]string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource"}, p.ParameterARNs, nil),
				allow([]string{"ssm:DescribeParameters"}, all(), nil),
			)
		}
		if len(p.KMSKeyARNs) > 0 {
			statements = append(statements, kmsUse(p.KMSKeyARNs, "kms:Decrypt"))
		}
		return single("external-secrets", statements...)
	},
}
