package iamsync

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// CallerAccount asks STS GetCallerIdentity for the account of the credentials. It is the first
// call a command makes: when it fails — no credentials, expired ones, an unreachable endpoint —
// nothing can be checked, and the error says so once instead of once per role.
func CallerAccount(ctx context.Context, c *sts.Client) (string, error) {
	if c == nil {
		return "", errors.New("no STS client: the account of the credentials cannot be learned")
	}
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("could not learn the account of the credentials (sts:GetCallerIdentity): %w; "+
			"check AWS_PROFILE or AWS_ACCESS_KEY_ID, AWS_REGION and AWS_ENDPOINT_URL_STS", err)
	}
	account := aws.ToString(out.Account)
	if account == "" {
		return "", errors.New("sts:GetCallerIdentity returned no account")
	}
	return account, nil
}

// throttlingCodes are the error codes AWS answers when a caller makes calls too fast.
var throttlingCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestLimitExceeded": true, "RequestThrottled": true, "TooManyRequestsException": true,
}

// couldNotCheck reports whether err means the call could not be made at all — throttling that
// outlasted the SDK's retries, an unreachable endpoint, missing credentials — rather than that
// IAM refused or failed it. Such a role's state is unknown, not wrong.
func couldNotCheck(err error) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return throttlingCodes[apiErr.ErrorCode()]
	}
	var maxAttempts *retry.MaxAttemptsError
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &maxAttempts) || errors.As(err, &netErr) || errors.As(err, &opErr)
}
