package config

import (
	"fmt"
	"slices"
	"strings"
)

// App-wide options (issue 14): acknowledged warnings. Keys, parsing,
// defaults and validation of these live in this file.

// KeyAcknowledgeWarnings lists the warning IDs (Warning.ID) the user has
// read and accepts: synth no longer prints them.
const KeyAcknowledgeWarnings = "acknowledgeWarnings"

// appKeys are the app-wide context keys, in cdk.json order.
var appKeys = []string{KeyAcknowledgeWarnings}

// WarningIDs are the IDs of every warning Network.Warnings (and each
// concern's warnings) can return, the values acknowledgeWarnings accepts.
// The stack annotates a warning as "coilednet:<ID>" (see
// Annotations.acknowledgeWarning in CDK). A test checks that every warning
// of every tested variant is listed here.
var WarningIDs = []string{"schedulerOpenToInternet", "sharedNat", "natInstance",
	"internalScheduler", "peeringReturnRoute",
	"unknownInterfaceEndpoint", "endpointServiceRegion", "firewallNatInstanceRepos",
	"prefixListRules", "endpointPrivateDns"}

func acceptWarningIDs() string {
	return "coilednet warning IDs (" + strings.Join(WarningIDs, ", ") + "), comma-separated or a JSON array"
}

// appOptions reads the app-wide keys into a.
func (p *parser) appOptions(a *App) {
	if items, ok := p.list(KeyAcknowledgeWarnings, acceptWarningIDs()); ok {
		ids := p.strItems(KeyAcknowledgeWarnings, items, acceptWarningIDs())
		for i, id := range ids {
			// The CDK CLI prints "Acknowledge with 'Annotation::coilednet:ID'"
			// under each warning: that form is accepted as ID.
			if bare, ok := strings.CutPrefix(id, AnnotationPrefix); ok && slices.Contains(WarningIDs, bare) {
				ids[i] = bare
			}
		}
		a.AcknowledgeWarnings = nilIfEmpty(ids)
	}
}

// AnnotationPrefix + a warning ID is what the CDK CLI prints under the
// warning ("Acknowledge with 'Annotation::coilednet:schedulerOpenToInternet'");
// -c acknowledgeWarnings accepts it as the bare ID.
const AnnotationPrefix = "Annotation::coilednet:"

// appDefaults fills in the app-wide defaults (none acknowledged: nil).
func (a App) appDefaults() App {
	a.AcknowledgeWarnings = slices.Clone(a.AcknowledgeWarnings)
	return a
}

// appProblems reports what is wrong with the app-wide options.
func (a App) appProblems(add addFunc) {
	seen := map[string]bool{}
	for _, id := range a.AcknowledgeWarnings {
		switch {
		case !slices.Contains(WarningIDs, id):
			hint := didYouMean(id, strings.Join(WarningIDs, ", "))
			if bare, ok := strings.CutPrefix(id, "coilednet:"); ok && slices.Contains(WarningIDs, bare) {
				hint = fmt.Sprintf("; did you mean %q?", bare)
			}
			add(KeyAcknowledgeWarnings, id, "is not a coilednet warning ID"+hint, acceptWarningIDs())
		case seen[id]:
			add(KeyAcknowledgeWarnings, id, "is listed twice", acceptWarningIDs())
		}
		seen[id] = true
	}
}

// Acknowledged reports whether warning id is in a.AcknowledgeWarnings.
func (a App) Acknowledged(id string) bool { return slices.Contains(a.AcknowledgeWarnings, id) }
