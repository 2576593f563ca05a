package export

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestFile is the file, directly in an export folder, that lists every file the last export
// wrote there: relative, slash-separated paths (<role>/<file>.json), sorted. The next export
// removes only files it lists, and the role folders that leaves empty. It is written last, through
// a temporary file renamed into place.
const ManifestFile = ".irsa-fn-export.json"

// manifest is the content of ManifestFile.
type manifest struct {
	Files []string `json:"files"`
}

// WriteOptions tunes Write.
type WriteOptions struct {
	// Force lets Write take over a non-empty folder without a ManifestFile (another tool's, or
	// one written by an irsa-fn that kept no manifest). It then counts as an earlier export only
	// each top-level folder holding a regular role.json, and in it only the regular .json files;
	// every other file and folder is kept.
	Force bool
}

// Write writes each role's files under dir, byte-stable, and removes the files an earlier export
// listed in dir's ManifestFile that this one no longer writes, then the role folders left empty.
//
// Write touches nothing before it has checked everything: the roles (Check), that dir is not a
// symbolic link and holds none at any depth, and that dir is empty, holds a valid ManifestFile,
// or opts.Force is set. Every operation then goes through an os.Root of dir, so none can leave
// it; files are written to O_EXCL temporary files renamed into place, which never follow a link.
func Write(dir string, roles []Role, opts WriteOptions) error {
	if err := errors.Join(Check(roles)...); err != nil {
		return err
	}
	files, err := roleFiles(roles)
	if err != nil {
		return err
	}
	// Without the trailing slash: Lstat("link/") would follow the link.
	dir = filepath.Clean(dir)
	if info, err := os.Lstat(dir); err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%s is not a folder (a symbolic link is refused: pass the folder it points to)", dir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := refuseSymlinks(dir); err != nil {
		return err
	}
	previous, err := previousFiles(dir, opts.Force)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	for _, r := range roles {
		if info, err := root.Lstat(r.Spec.RoleName); err == nil && !info.IsDir() {
			return fmt.Errorf("%s: exists and is not a folder", filepath.Join(dir, r.Spec.RoleName))
		}
	}
	// List everything before writing it, so that a run stopped half-way leaves no file unlisted.
	if err := writeManifest(root, union(previous, files)); err != nil {
		return err
	}
	for _, name := range keys(files) {
		roleDir := path.Dir(name)
		if err := mkdirNoFollow(root, roleDir); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, roleDir), err)
		}
		if err := writeFile(root, name, files[name]); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, filepath.FromSlash(name)), err)
		}
	}
	if err := removeStale(root, previous, files); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return writeManifest(root, keys(files))
}

// roleFiles renders every role's files, keyed by their slash-separated path under the folder.
func roleFiles(roles []Role) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, r := range roles {
		content := RoleFileContent{IAMRoleSpec: r.Spec, Binding: r.Binding}
		files[r.Spec.RoleName+"/"+TrustPolicyFile] = []byte(r.Spec.TrustPolicy + "\n")
		for _, p := range r.Spec.InlinePolicies {
			files[r.Spec.RoleName+"/"+p.Name+".json"] = []byte(p.Document + "\n")
			content.InlinePolicyNames = append(content.InlinePolicyNames, p.Name)
		}
		data, err := json.MarshalIndent(content, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", r.Spec.RoleName, err)
		}
		files[r.Spec.RoleName+"/"+RoleFile] = append(data, '\n')
	}
	return files, nil
}

// refuseSymlinks walks dir without following links and refuses every symbolic link in it.
func refuseSymlinks(dir string) error {
	var links []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			links = append(links, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(links) > 0 {
		return fmt.Errorf("refusing to write into %s: it holds symbolic links, which export never follows or replaces: %s; remove them", dir, strings.Join(links, ", "))
	}
	return nil
}

// previousFiles returns the files the earlier export wrote in dir: those its manifest lists, none
// when dir is empty, and with force and no manifest the .json files of the folders holding a
// role.json. A non-empty folder without a manifest is refused otherwise.
func previousFiles(dir string, force bool) (map[string]bool, error) {
	manifestPath := filepath.Join(dir, ManifestFile)
	info, err := os.Lstat(manifestPath)
	switch {
	case err == nil && !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", manifestPath)
	case err == nil:
		return readManifest(manifestPath)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	previous := map[string]bool{}
	if len(entries) == 0 {
		return previous, nil
	}
	if !force {
		return nil, fmt.Errorf("refusing to write into %s: it is not empty and has no %s, so it is not an irsa-fn export folder (or was written by an irsa-fn that kept none); pick an empty or new folder, or pass --force to take it over (then only folders holding a role.json count as irsa-fn's)", dir, ManifestFile)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		roleDir := filepath.Join(dir, e.Name())
		if info, err := os.Lstat(filepath.Join(roleDir, RoleFile)); err != nil || !info.Mode().IsRegular() {
			continue
		}
		inner, err := os.ReadDir(roleDir)
		if err != nil {
			return nil, err
		}
		for _, f := range inner {
			if f.Type().IsRegular() && strings.HasSuffix(f.Name(), ".json") {
				previous[e.Name()+"/"+f.Name()] = true
			}
		}
	}
	return previous, nil
}

// readManifest reads a ManifestFile, refusing any path export would not have written.
func readManifest(p string) (map[string]bool, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	var m manifest
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w; fix or remove it", p, err)
	}
	files := map[string]bool{}
	for _, name := range m.Files {
		role, file, ok := strings.Cut(name, "/")
		if !ok || !safeName(role) || !safeName(file) || !strings.HasSuffix(file, ".json") {
			return nil, fmt.Errorf("%s lists %q, which is not a <role>/<file>.json export writes; fix or remove it", p, name)
		}
		files[name] = true
	}
	return files, nil
}

// mkdirNoFollow makes the folder name of root, or checks that it is a folder and not a link.
func mkdirNoFollow(root *os.Root, name string) error {
	info, err := root.Lstat(name)
	switch {
	case err == nil && info.IsDir():
		return nil
	case err == nil:
		return errors.New("exists and is not a folder")
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return root.Mkdir(name, 0o755)
}

// writeFile writes data to name atomically: to a new temporary file next to it, created with
// O_EXCL (which never follows a link), renamed over name. An existing name must be a regular file.
func writeFile(root *os.Root, name string, data []byte) error {
	if info, err := root.Lstat(name); err == nil && !info.Mode().IsRegular() {
		return errors.New("exists and is not a regular file")
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, f, err := createTemp(root, path.Dir(name))
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}

// createTemp creates a new file in the folder dir of root, named so that no export writes it.
func createTemp(root *os.Root, dir string) (string, *os.File, error) {
	for range 10 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", nil, err
		}
		name := path.Join(dir, ".irsa-fn-tmp-"+hex.EncodeToString(b[:]))
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
	return "", nil, errors.New("could not create a temporary file")
}

// writeManifest writes the ManifestFile listing files, atomically.
func writeManifest(root *os.Root, files []string) error {
	sort.Strings(files)
	if files == nil {
		files = []string{}
	}
	data, err := json.MarshalIndent(manifest{Files: files}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(root, ManifestFile, append(data, '\n')); err != nil {
		return fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return nil
}

// removeStale removes the previous files that are not written now, then the folders that held
// them if nothing is left in them. It removes regular files only, never a link or a folder's
// content it did not list.
func removeStale(root *os.Root, previous map[string]bool, written map[string][]byte) error {
	folders := map[string]bool{}
	for _, name := range keys(previous) {
		if _, ok := written[name]; ok {
			continue
		}
		info, err := root.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s: listed as written by export, but is not a regular file; not removed", name)
		}
		if err := root.Remove(name); err != nil {
			return err
		}
		folders[path.Dir(name)] = true
	}
	for _, folder := range keys(folders) {
		if err := removeIfEmpty(root, folder); err != nil {
			return err
		}
	}
	return nil
}

// removeIfEmpty removes the folder name of root when it is a folder (not a link) with nothing in it.
func removeIfEmpty(root *os.Root, name string) error {
	info, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || !info.IsDir() {
		return err
	}
	d, err := root.Open(name)
	if err != nil {
		return err
	}
	entries, err := d.ReadDir(1)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(entries) > 0 {
		return nil
	}
	return root.Remove(name)
}

// union returns the paths of both sets.
func union(a map[string]bool, b map[string][]byte) []string {
	out := keys(a)
	for name := range b {
		if !a[name] {
			out = append(out, name)
		}
	}
	return out
}

// keys returns the sorted keys of m.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
