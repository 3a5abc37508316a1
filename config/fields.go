package config

import (
	"reflect"
	"strings"
	"sync"
)

// Go field names for errors (issue 14): when the input came from Go
// (Network.Validate, App.Validate, and so network.NewCoiledNetwork), an
// Error names the Go field, e.g. Network.ClientCidrs, next to its context
// key. The key → field map is derived by reflection over App, so every
// concern's fields are found without a list to keep up to date.
//
// A context key names the field whose name equals it ignoring case
// (clientCidrs → ClientCidrs), or whose name prefixed with its enclosing
// struct field's or embedded type's name does (a key accessMode would name
// Access.Mode). A field can also say its key with a `key:"name"` tag.
// TestEveryKeyNamesAGoField keeps this total.

var (
	fieldsOnce sync.Once
	fieldPaths map[string]string // context key → path from App, e.g. "Network.ClientCidrs"
)

// keyField returns the path of key's Go field from App ("StackName",
// "Network.ClientCidrs"), or "" if no field matches.
func keyField(key string) string {
	fieldsOnce.Do(func() {
		fieldPaths = map[string]string{}
		for _, k := range Keys {
			if p := findField(reflect.TypeOf(App{}), "", "", k); p != "" {
				fieldPaths[k] = p
			}
		}
	})
	return fieldPaths[key]
}

// findField searches struct t (reached by path, inside the field or
// embedded type named parent) for the field of key.
func findField(t reflect.Type, path, parent, key string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := path + f.Name
		if f.Anonymous {
			name = strings.TrimSuffix(path, ".") // promoted fields read as the outer struct's own
		}
		if tag := f.Tag.Get("key"); tag == key || tag == "" && !f.Anonymous &&
			(strings.EqualFold(f.Name, key) || parent != "" && strings.EqualFold(parent+f.Name, key)) {
			return name
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath() {
			inner := name + "."
			if name == "" {
				inner = ""
			}
			if p := findField(ft, inner, f.Name, key); p != "" {
				return p
			}
		}
	}
	return ""
}

// withFields sets the Field of each error to root + its key's Go field
// (root "App." or "Network.", stripped of what lies above it).
func withFields(errs []*Error, root string) []*Error {
	for _, e := range errs {
		p := keyField(e.Key)
		if p == "" {
			continue
		}
		if root == "Network." {
			rest, ok := strings.CutPrefix(p, "Network.")
			if !ok {
				continue
			}
			p = rest
		}
		e.Field = root + p
	}
	return errs
}
