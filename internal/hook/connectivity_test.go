package hook

import (
	"strings"
	"testing"

	"github.com/coilednet/coilednet/stackoutputs"
)

func TestConnectivityNotes(t *testing.T) {
	if n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{}}); n != nil {
		t.Errorf("notes without SchedulerPublicIp: %v", n)
	}
	if n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{"SchedulerPublicIp": "true"}}); n != nil {
		t.Errorf("notes with a public scheduler: %v", n)
	}
	n := connectivityNotes(&stackoutputs.Outputs{All: map[string]string{"SchedulerPublicIp": "false"}})
	if len(n) != 1 || !strings.Contains(n[0], "coiled.use_scheduler_public_ip: False") {
		t.Errorf("internal notes %v", n)
	}
}
