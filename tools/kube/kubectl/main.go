// kubectl built from k8s.io/kubectl at the version Argo CD v2.13.9 links (its go.mod replaces
// k8s.io/kubectl => v0.31.0): gitops-engine runs this library's `apply` in-process for every sync,
// so the conformance upgrade tier computes the same three-way patches Argo CD sends.
// Same body as k8s.io/kubernetes/cmd/kubectl/kubectl.go.
package main

import (
	// Import to initialize client auth plugins (as k8s.io/kubernetes/cmd/kubectl does).
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
