// Examples for go doc: compiled by go test, not run (they need a node at the default
// address).

package kvactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"kvactor"
)

// Keys, compare-and-swap and typed values.
func Example() {
	kv, err := kvactor.New("http://127.0.0.1:8080", &kvactor.Options{Token: "my-token"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := kv.Put(ctx, "greeting", []byte("hello"), kvactor.WithTTL(time.Hour)); err != nil {
		log.Fatal(err)
	}
	item, err := kv.Get(ctx, "greeting")
	if errors.Is(err, kvactor.ErrNotFound) {
		fmt.Println("gone already")
	} else if err == nil {
		fmt.Println(item.String(), item.Version)
	}
	_, err = kv.Put(ctx, "config", []byte("v2"), kvactor.IfVersion(0))
	var kvErr *kvactor.Error
	if errors.As(err, &kvErr) && kvErr.Code == "conflict" {
		fmt.Println("config exists already")
	}
	hits, _ := kv.Incr(ctx, "hits", 1)
	n, _ := hits.Int()
	fmt.Println("hits:", n)
	kv.SAdd(ctx, "tags", []string{"a", "b"})
	tags, _ := kv.SMembers(ctx, "tags")
	fmt.Println(tags)
}

// The change feed of a prefix, resumed by itself after a dropped connection.
func ExampleClient_Watch() {
	kv, _ := kvactor.New("http://127.0.0.1:8080", nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := kv.Watch(ctx, kvactor.WatchOptions{Prefix: "user:"})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	for event := range w.Events() {
		switch event.Op {
		case "reset":
			fmt.Println("missed the changes up to", event.Rev, "- re-list user:")
		case "put":
			fmt.Println(event.Key, "=", string(event.Value))
		default: // delete, expire
			fmt.Println(event.Op, event.Key)
		}
	}
	if err := w.Err(); err != nil {
		log.Fatal(err)
	}
}
