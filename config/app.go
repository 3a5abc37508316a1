package config

// App-wide options (issue 14): acknowledged warnings and the like. Keys,
// parsing, defaults and validation of these live in this file.

// appKeys are the app-wide context keys, in cdk.json order.
var appKeys = []string{}

// appOptions reads the app-wide keys into a.
func (p *parser) appOptions(a *App) {}

// appDefaults fills in the app-wide defaults.
func (a App) appDefaults() App { return a }

// appProblems reports what is wrong with the app-wide options.
func (a App) appProblems(add addFunc) {}
