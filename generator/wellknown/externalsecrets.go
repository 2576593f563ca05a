package wellknown

import "github.com/irsa-dev/irsa-fn/iampolicy"

// external-secrets (external-secrets.io, AWS Secrets Manager and Parameter Store providers):
// read the given secrets and parameters, and decrypt them with the given KMS keys.
var externalSecrets = addon{
	oneOf:    []param{pSecrets, pParameters},
	optional: []param{pKMSKeys},
	build: func(p Params) Policy {
		var statements []iampolicy.Statement
		if len(p.SecretARNs) > 0 {
			statements = append(statements, allow([]string{
				"secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue",
				"secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
			}, p.SecretARNs, nil))
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
