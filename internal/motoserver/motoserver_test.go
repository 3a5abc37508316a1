package motoserver

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStartAndStop checks that the endpoint uses the name localhost, answers,
// and stops answering once the test that started it ends.
func TestStartAndStop(t *testing.T) {
	t.Parallel()
	var endpoint string
	t.Run("running", func(t *testing.T) {
		endpoint = Start(t)
		if !strings.HasPrefix(endpoint, "http://localhost:") {
			t.Errorf("endpoint %q does not use localhost", endpoint)
		}
		resp, err := http.Get(endpoint + "/moto-api/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if env := Environ(endpoint); env["AWS_ENDPOINT_URL"] != endpoint || env["AWS_REGION"] != Region {
			t.Errorf("Environ = %v", env)
		}
	})
	if endpoint == "" {
		return // skipped: moto_server is not installed
	}
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(endpoint + "/moto-api/"); err == nil {
		resp.Body.Close()
		t.Errorf("moto_server still answers after its test ended")
	}
}
