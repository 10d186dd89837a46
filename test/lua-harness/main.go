// argocd-lua runs an Argo CD resource health script the way Argo CD runs a `health.lua` from
// argocd-cm (util/lua/lua.go in argoproj/argo-cd, read at the commit noted in README.md), so the
// scripts in deploy/argocd/ are tested against what users run, not against a stock Lua:
//
//   - gopher-lua (the version Argo CD's go.mod pins), state created with SkipOpenLibs, then only
//     the package, base and table libraries opened, plus a reduced `os` (time and date). No
//     `string`, `math`, `io` or `debug`: a script calling string.format fails here as in Argo CD.
//   - the object as a global `obj`, decoded as Kubernetes' unstructured decoder hands it to Argo
//     CD (integers as int64, other numbers as float64), converted value by value to Lua.
//   - a one-second deadline on the script, the result table encoded with layeh.com/gopher-json and
//     read as {status, message}; an unknown status becomes Unknown, a nil result an empty status.
//
// Usage: argocd-lua SCRIPT.lua < object.json
// Prints {"status":"...","message":"..."} on stdout; a script error goes to stderr with exit 1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

// healthStatus is the shape Argo CD unmarshals the script's result into.
type healthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// The health codes Argo CD accepts from a script; anything else is reported as Unknown.
var validStatus = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true, "Degraded": true, "Missing": true,
}

const invalidHealthStatus = "Lua returned an invalid health status"

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "argocd-lua: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: argocd-lua SCRIPT.lua < object.json")
	}
	script, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	obj, err := decodeObject(in)
	if err != nil {
		return fmt.Errorf("object on stdin: %w", err)
	}
	hs, err := executeHealth(obj, string(script))
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(hs)
}

// decodeObject reads JSON as k8s.io/apimachinery's unstructured decoder does: numbers that are
// integers become int64, the others float64.
func decodeObject(in io.Reader) (map[string]any, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	return convertNumbers(obj).(map[string]any), nil
}

func convertNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			t[k] = convertNumbers(item)
		}
		return t
	case []any:
		for i, item := range t {
			t[i] = convertNumbers(item)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

func executeHealth(obj map[string]any, script string) (*healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openReducedOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, fmt.Errorf("opening %q: %w", lib.name, err)
		}
	}
	l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
		l.Push(l.SetFuncs(l.NewTable(), reducedOsFuncs))
		return 1
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))

	fn, err := l.LoadString(script)
	if err == nil {
		l.Push(fn)
		err = l.PCall(0, lua.MultRet, nil)
	}
	if err != nil {
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorRun {
			apiErr.StackTrace = "" // Argo CD shows users the error without the Lua stack trace
			return nil, apiErr
		}
		return nil, err
	}

	ret := l.Get(-1)
	switch ret.Type() {
	case lua.LTNil:
		return &healthStatus{}, nil
	case lua.LTTable:
	default:
		return nil, fmt.Errorf("expect table output from Lua script, not %s", ret.Type())
	}
	encoded, err := luajson.Encode(ret)
	if err != nil {
		return nil, err
	}
	hs := &healthStatus{}
	if err := json.Unmarshal(encoded, hs); err != nil {
		// An empty table encodes as [], which Argo CD reads as an empty status.
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Value == "array" {
			return &healthStatus{}, nil
		}
		return nil, err
	}
	if !validStatus[hs.Status] {
		return &healthStatus{Status: "Unknown", Message: invalidHealthStatus}, nil
	}
	return hs, nil
}

// toLua converts a decoded object to Lua values the way Argo CD's decodeValue does: numbers to
// LNumber, maps to hash tables, slices to array tables, anything else to nil.
func toLua(l *lua.LState, v any) lua.LValue {
	switch t := v.(type) {
	case bool:
		return lua.LBool(t)
	case string:
		return lua.LString(t)
	case int64:
		return lua.LNumber(t)
	case float64:
		return lua.LNumber(t)
	case []any:
		arr := l.CreateTable(len(t), 0)
		for _, item := range t {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(t))
		for k, item := range t {
			tbl.RawSetH(lua.LString(k), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// Argo CD exposes only os.time and os.date to scripts, so any other os function fails here as it
// does there. The sealkit scripts use neither; os.date (strftime formats) is not reimplemented and
// says so rather than answering differently from Argo CD.
var reducedOsFuncs = map[string]lua.LGFunction{
	"time": func(l *lua.LState) int {
		l.Push(lua.LNumber(time.Now().Unix()))
		return 1
	},
	"date": func(l *lua.LState) int {
		l.RaiseError("os.date is available in Argo CD but not implemented by this test harness")
		return 0
	},
}

func openReducedOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.OsLibName, reducedOsFuncs))
	return 1
}
