// Package docslinks holds the test that keeps the links between README.md
// and the pages of docs/ true: every relative link names a file that exists
// and, where it names an anchor, a heading of that file.
package docslinks
