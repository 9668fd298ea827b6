// The tests' kvnode: the real binary on free loopback ports with a temp data dir, stopped by
// its pid; certificates made by openssl, tokens files, and a proxy that cuts connections.

package kvactor

// The binary comes from KVNODE_BINARY (ctest sets it), else from the repository's
// build/*/bin/kvnode; without one the tests that need it are skipped.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const startTimeout = 15 * time.Second

func kvnodeBinary(t *testing.T) string {
	t.Helper()
	if binary := os.Getenv("KVNODE_BINARY"); binary != "" {
		return binary
	}
	built, _ := filepath.Glob(filepath.Join("..", "..", "build", "*", "bin", "kvnode"))
	sort.Strings(built)
	if len(built) == 0 {
		t.Skip("no kvnode: set KVNODE_BINARY or run `make programs`")
	}
	binary, _ := filepath.Abs(built[0])
	return binary
}

// Go 1.19's math/rand starts from the same seed in every process.
func init() { rand.Seed(time.Now().UnixNano()) }

// freePort is a port free on 127.0.0.1 a moment ago, below the range the kernel picks source
// ports from: a port from listening on :0 may be taken as another connection's source port
// before the node binds it.
func freePort(t *testing.T) int {
	t.Helper()
	floor := 32768
	if text, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if fields := strings.Fields(string(text)); len(fields) > 0 {
			if low, err := strconv.Atoi(fields[0]); err == nil && low > 10000 {
				floor = low
			}
		}
	}
	for attempt := 0; attempt < 100; attempt++ {
		port := 10000 + rand.Intn(floor-10000)
		listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			listener.Close()
			return port
		}
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// testNode is one kvnode process.
type testNode struct {
	t       *testing.T
	dir     string
	config  string // TOML text, optional
	port    int
	tls     *tls.Config // how the readiness check reaches a TLS port
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
}

func newNode(t *testing.T, config string) *testNode {
	t.Helper()
	n := &testNode{t: t, dir: t.TempDir(), config: config}
	n.logPath = filepath.Join(n.dir, "kvnode.log")
	t.Cleanup(n.kill)
	return n
}

func (n *testNode) writeFile(name, text string) string {
	path := filepath.Join(n.dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		n.t.Fatal(err)
	}
	return path
}

func (n *testNode) url() string {
	if n.tls != nil {
		return fmt.Sprintf("https://127.0.0.1:%d", n.port)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", n.port)
}

// start runs the node (on port, or a free one when 0) and waits until it is ready.
func (n *testNode) start(port int) *testNode {
	n.t.Helper()
	args := []string{}
	if n.config != "" {
		args = append(args, "--config", n.writeFile("kvnode.toml", n.config))
	}
	for attempt := 0; attempt < 3; attempt++ {
		n.port = port
		if n.port == 0 {
			n.port = freePort(n.t)
		}
		log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			n.t.Fatal(err)
		}
		n.cmd = exec.Command(kvnodeBinary(n.t), append(args,
			"--http-listen", fmt.Sprintf("127.0.0.1:%d", n.port),
			"--feed-endpoint", fmt.Sprintf("tcp://127.0.0.1:%d", freePort(n.t)),
			"--data-dir", filepath.Join(n.dir, "data"))...)
		n.cmd.Dir, n.cmd.Stderr = n.dir, log
		n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := n.cmd.Start(); err != nil {
			n.t.Fatal(err)
		}
		log.Close()
		n.exited = make(chan struct{})
		go func(cmd *exec.Cmd, exited chan struct{}) { cmd.Wait(); close(exited) }(n.cmd, n.exited)
		deadline := time.Now().Add(startTimeout)
		for time.Now().Before(deadline) && n.running() && !n.ready() {
			time.Sleep(20 * time.Millisecond)
		}
		if n.running() && n.ready() {
			return n
		}
		if n.running() {
			n.kill()
			n.t.Fatalf("kvnode did not turn ready in time:\n%s", n.log())
		}
		// Exit status 1 is "port already in use": another test took the port. Retry.
		if n.cmd.ProcessState.ExitCode() != 1 || port != 0 {
			break
		}
	}
	n.t.Fatalf("kvnode exited with %d:\n%s", n.cmd.ProcessState.ExitCode(), n.log())
	return nil
}

func (n *testNode) running() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

func (n *testNode) ready() bool {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: n.tls}}
	defer client.CloseIdleConnections()
	response, err := client.Get(n.url() + "/v1/readiness")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, response.Body)
	response.Body.Close()
	return response.StatusCode == 200
}

// stop sends SIGTERM and waits (SIGKILL after 10 s); it returns the exit status.
func (n *testNode) stop() int {
	if n.cmd == nil || !n.running() {
		return -1
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		n.kill()
	}
	return n.cmd.ProcessState.ExitCode()
}

func (n *testNode) kill() {
	if n.cmd != nil && n.running() {
		n.cmd.Process.Kill()
		<-n.exited
	}
}

func (n *testNode) log() string {
	text, _ := os.ReadFile(n.logPath)
	return string(text)
}

// startNode starts a kvnode with config (TOML text, may be "").
func startNode(t *testing.T, config string) *testNode {
	t.Helper()
	return newNode(t, config).start(0)
}

// newClient makes a client of url, closed at the end of the test.
func newClient(t *testing.T, url string, opts *Options) *Client {
	t.Helper()
	c, err := New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tokenEntry is one [[token]] of a tokens file.
func tokenEntry(name, token, rules string) string {
	digest := sha256.Sum256([]byte(token))
	return fmt.Sprintf("[[token]]\nname = %q\nsha256 = %q\nrules = %s\n\n", name, hex.EncodeToString(digest[:]), rules)
}

const certificatesScript = `set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
signed() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
}
ca ca
ca other-ca
signed server ca serverAuth
signed client ca clientAuth
`

// certificates are made with the openssl command: a CA, a server certificate for 127.0.0.1
// and localhost and a client certificate signed by it, and another CA.
type certificates struct {
	dir                                                       string
	ca, otherCA, serverCert, serverKey, clientCert, clientKey string
}

var (
	certsOnce sync.Once
	certs     certificates
	certsErr  error
)

func makeCertificates(t *testing.T) certificates {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("the openssl command is not installed")
	}
	certsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kvactor-go-certs-")
		if err != nil {
			certsErr = err
			return
		}
		script := filepath.Join(dir, "make-certificates.sh")
		if certsErr = os.WriteFile(script, []byte(certificatesScript), 0o600); certsErr != nil {
			return
		}
		cmd := exec.Command("sh", script)
		cmd.Dir = dir
		if output, err := cmd.CombinedOutput(); err != nil {
			certsErr = fmt.Errorf("openssl could not make the test certificates: %v\n%s", err, output)
			return
		}
		path := func(name string) string { return filepath.Join(dir, name) }
		certs = certificates{dir, path("ca.pem"), path("other-ca.pem"), path("server.pem"),
			path("server.key"), path("client.pem"), path("client.key")}
	})
	if certsErr != nil {
		t.Fatal(certsErr)
	}
	return certs
}

func (c certificates) pool(t *testing.T) *x509.CertPool {
	pem, err := os.ReadFile(c.ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

// cuttableProxy forwards a free loopback port to a node's; the test can cut every connection
// at once (a network drop, as a watch sees it) and refuse new ones while paused.
type cuttableProxy struct {
	listener net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	paused   bool
	accepted int
}

func newProxy(t *testing.T, port int) *cuttableProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{listener: listener, target: fmt.Sprintf("127.0.0.1:%d", port)}
	go p.accept()
	t.Cleanup(func() {
		listener.Close()
		p.cut()
	})
	return p
}

func (p *cuttableProxy) url() string { return "http://" + p.listener.Addr().String() }

func (p *cuttableProxy) setPaused(paused bool) {
	p.mu.Lock()
	p.paused = paused
	p.mu.Unlock()
}

func (p *cuttableProxy) acceptedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *cuttableProxy) accept() {
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		paused := p.paused
		p.mu.Unlock()
		if paused {
			client.Close()
			continue
		}
		upstream, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.accepted++
		p.conns = append(p.conns, client, upstream)
		p.mu.Unlock()
		go pump(client, upstream)
		go pump(upstream, client)
	}
}

func pump(from, to net.Conn) {
	io.Copy(to, from)
	from.Close()
	to.Close()
}

// cut closes every connection made so far.
func (p *cuttableProxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, conn := range conns {
		conn.Close()
	}
}

// collect reads the next count events of w, failing the test when they do not come within
// timeout.
func collect(t *testing.T, w *Watch, count int, timeout time.Duration) []Event {
	t.Helper()
	var events []Event
	deadline := time.After(timeout)
	for len(events) < count {
		select {
		case event, ok := <-w.Events():
			if !ok {
				t.Fatalf("the watch ended after %d of %d events: %v", len(events), count, w.Err())
			}
			events = append(events, event)
		case <-deadline:
			t.Fatalf("only %d of %d events within %v: %+v", len(events), count, timeout, events)
		}
	}
	return events
}

func keysOf(events []Event) string {
	keys := make([]string, len(events))
	for i, event := range events {
		keys[i] = event.Op + " " + event.Key
	}
	return strings.Join(keys, ", ")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if certs.dir != "" {
		os.RemoveAll(certs.dir)
	}
	os.Exit(code)
}
