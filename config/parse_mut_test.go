package config

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestEditDistanceLimits(t *testing.T) {
	for _, tc := range []struct {
		a, b        string
		limit, want int
	}{
		{"", "", 5, 0},
		{"abc", "abc", 5, 0},
		{"ab", "ba", 5, 1},     // one transposition, at the start
		{"abcd", "acbd", 5, 1}, // one transposition, inside
		{"kitten", "sitting", 5, 3},
		{"abc", "", 5, 3},
		{"", "abc", 5, 3},
		{"abcdef", "a", 2, 3},      // lengths too far apart: limit+1
		{"a", "abcdef", 2, 3},      // either way
		{"abcdef", "uvwxyz", 2, 3}, // each row over the limit: limit+1
		{"abcdef", "uvwxyz", 9, 6},
		{"xbc", "abc", 1, 1},
		{"abx", "abc", 1, 1},
	} {
		if got := editDistance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}

func TestSuggestKeyLimits(t *testing.T) {
	for _, tc := range []struct{ typo, want string }{
		{"TOPOLOGY", "topology"},
		{"topolgy", "topology"},
		{"topolo", "topology"}, // two edits
		{"topol", ""},          // three
		{"egre", "egress"},     // a six-letter key: two edits
		{"az", "azs"},          // a short key: one edit
		{"a", ""},              // two: too far for a short key
	} {
		if got := suggestKey(tc.typo); got != tc.want {
			t.Errorf("suggestKey(%q) = %q, want %q", tc.typo, got, tc.want)
		}
	}
	if got := keysContaining("s3"); !reflect.DeepEqual(got, []string{`"s3Endpoint"`}) {
		t.Errorf(`keysContaining("s3") = %q`, got)
	}
	if got := keysContaining("a"); len(got) != 0 {
		t.Errorf(`keysContaining("a") = %q, want none (one letter is in every key)`, got)
	}
}

func TestJSONTextAndNormalize(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{" a b ", " a b "},
		{1.5, "1.5"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e21, "1.5e+21"},
		{-1.5e21, "-1.5e+21"},
		{1e-7, "0.0000001"},
		{[]any{"a", 2.0}, `["a",2]`},
		{complex(1, 2), "(1+2i)"},
	} {
		if got := jsonText(tc.v); got != tc.want {
			t.Errorf("jsonText(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct{ v, want any }{
		{json.Number("2"), 2.0},
		{json.Number("x"), "x"},
		{3, 3.0},
		{int64(4), 4.0},
		{int32(5), 5.0},
		{uint16(6), 6.0},
		{float32(1.5), 1.5},
		{"s", "s"},
	} {
		if got := normalize(tc.v); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("normalize(%#v) = %#v, want %#v", tc.v, got, tc.want)
		}
	}
}
