// Package kubeclient applies, reads and deletes Kubernetes objects over the API server's REST
// interface, as JSON maps, for tests. It knows the resources it is told of (namespaces, CRDs and
// the kinds of each CRD applied through it) and nothing else, so that tests need no Kubernetes
// client library.
package kubeclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Object is a Kubernetes object as decoded JSON.
type Object = map[string]any

// ErrNotFound is returned (wrapped) when the API server answers 404.
var ErrNotFound = errors.New("not found")

// FieldManager is the server-side apply field manager of every Apply.
const FieldManager = "irsa-fn-e2e"

// resource is where the API serves a kind.
type resource struct {
	plural     string
	namespaced bool
}

// Client talks to one API server with a bearer token.
type Client struct {
	base  string
	token string
	http  *http.Client

	mu        sync.Mutex
	resources map[string]resource // by apiVersion + "/" + kind
}

// New returns a client for the API server at base (https://host:port).
func New(base, token string, httpClient *http.Client) *Client {
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: httpClient, resources: map[string]resource{
		"v1/Namespace": {plural: "namespaces"},
		"apiextensions.k8s.io/v1/CustomResourceDefinition": {plural: "customresourcedefinitions"},
	}}
}

// Key names an object in messages: Kind namespace/name.
func Key(o Object) string {
	meta, _ := o["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if ns, _ := meta["namespace"].(string); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%v %s", o["kind"], name)
}

// path is the REST path of an object (name "" for the collection).
func (c *Client) path(apiVersion, kind, namespace, name string) (string, error) {
	c.mu.Lock()
	res, ok := c.resources[apiVersion+"/"+kind]
	c.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("kind %s of %s is unknown to the client: apply its CRD through ApplyCRD first", kind, apiVersion)
	}
	p := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		p = "/api/" + apiVersion
	}
	if res.namespaced {
		if namespace == "" {
			return "", fmt.Errorf("%s %s is namespaced but has no namespace", kind, name)
		}
		p += "/namespaces/" + url.PathEscape(namespace)
	}
	p += "/" + res.plural
	if name != "" {
		p += "/" + url.PathEscape(name)
	}
	return p, nil
}

func identity(o Object) (apiVersion, kind, namespace, name string) {
	apiVersion, _ = o["apiVersion"].(string)
	kind, _ = o["kind"].(string)
	meta, _ := o["metadata"].(map[string]any)
	namespace, _ = meta["namespace"].(string)
	name, _ = meta["name"].(string)
	return
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s %s: %w", method, path, ErrNotFound)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// Apply creates or updates an object by server-side apply, taking over fields that other
// managers own, and returns the object as stored.
func (c *Client) Apply(ctx context.Context, o Object) (Object, error) {
	apiVersion, kind, namespace, name := identity(o)
	p, err := c.path(apiVersion, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("apply %s: encode: %w", Key(o), err)
	}
	var out Object
	q := "?fieldManager=" + FieldManager + "&force=true"
	if err := c.do(ctx, http.MethodPatch, p+q, "application/apply-patch+yaml", body, &out); err != nil {
		return nil, fmt.Errorf("apply %s: %w", Key(o), err)
	}
	return out, nil
}

// Get reads an object; the error wraps ErrNotFound when it does not exist.
func (c *Client) Get(ctx context.Context, apiVersion, kind, namespace, name string) (Object, error) {
	p, err := c.path(apiVersion, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	var out Object
	if err := c.do(ctx, http.MethodGet, p, "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Delete asks for an object's deletion (finalizers may keep it a while); an object that does not
// exist is no error.
func (c *Client) Delete(ctx context.Context, apiVersion, kind, namespace, name string) error {
	p, err := c.path(apiVersion, kind, namespace, name)
	if err != nil {
		return err
	}
	err = c.do(ctx, http.MethodDelete, p, "", nil, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// WaitGone waits until an object no longer exists.
func (c *Client) WaitGone(ctx context.Context, apiVersion, kind, namespace, name string) error {
	for {
		_, err := c.Get(ctx, apiVersion, kind, namespace, name)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s/%s still exists: %w", kind, namespace, name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ApplyCRD applies a CustomResourceDefinition, waits until the API server serves it, and
// learns its kind, so that objects of that kind can be applied.
func (c *Client) ApplyCRD(ctx context.Context, crd Object) error {
	if _, err := c.Apply(ctx, crd); err != nil {
		return err
	}
	_, _, _, name := identity(crd)
	spec, _ := crd["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ := spec["group"].(string)
	kind, _ := names["kind"].(string)
	plural, _ := names["plural"].(string)
	versions, _ := spec["versions"].([]any)
	if group == "" || kind == "" || plural == "" || len(versions) == 0 {
		return fmt.Errorf("CRD %s lacks spec.group, spec.names.kind, spec.names.plural or spec.versions", name)
	}
	for {
		got, err := c.Get(ctx, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name)
		if err != nil {
			return err
		}
		if status, _ := Condition(got, "Established"); status == "True" {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CRD %s is not established: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if served, _ := vm["served"].(bool); served {
			c.resources[group+"/"+fmt.Sprint(vm["name"])+"/"+kind] = resource{plural: plural, namespaced: spec["scope"] == "Namespaced"}
		}
	}
	return nil
}

// Condition returns the status and message of a status condition of an object ("" when absent).
func Condition(o Object, condType string) (status, message string) {
	st, _ := o["status"].(map[string]any)
	conds, _ := st["conditions"].([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType {
			status, _ = m["status"].(string)
			message, _ = m["message"].(string)
			return status, message
		}
	}
	return "", ""
}
