package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/coilednet/coilednet/config"
)

// WarningPrefix + a config.Warning's ID is the ID of its annotation:
// "coilednet:schedulerOpenToInternet".
const WarningPrefix = "coilednet:"

// acknowledgeWarnings acknowledges, on stack and everything under it, the
// warnings cfg.AcknowledgeWarnings lists (-c acknowledgeWarnings=ID,...),
// with CDK's Annotations.acknowledgeWarning: synth then no longer prints
// them. It works whether it runs before or after the warnings are added.
func acknowledgeWarnings(stack awscdk.Stack, cfg config.App) {
	for _, id := range cfg.AcknowledgeWarnings {
		awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String(WarningPrefix+id),
			jsii.String("acknowledged with -c "+config.KeyAcknowledgeWarnings+"="+id))
	}
}
