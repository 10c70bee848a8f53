//! The Redis store of conversations, through teloxide's `Storage` trait, against a real
//! `redis-server` on a free loopback port: versioned, prefixed keys, a TTL equal to the
//! idle expiry, unreadable records dropped, and a server that is down gives errors (which
//! the bot logs), never a hang or a panic.

use callbot_test_support as common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use callbot::engine::conversation::{CONTEXT_VERSION, Context};
use callbot::storage::{ChatContexts, ContextStore, RedisContexts, connect};
use common::redis::RedisServer;
use redis::AsyncCommands;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

const IDLE: Duration = Duration::from_secs(30 * 60);

fn contexts(entry: &str) -> ChatContexts {
    let context = Context { entry: Some(entry.to_owned()), updated: 1_800_000_000, ..Context::default() };
    let mut contexts = ChatContexts::default();
    contexts.set(42, Some(context));
    contexts
}

#[tokio::test]
async fn contexts_round_trip_under_a_versioned_key_with_the_idle_ttl() {
    let redis = RedisServer::start();
    let connection = connect(&redis.url()).expect("a valid URL");
    let store = RedisContexts::new(connection.clone(), IDLE);

    Arc::clone(&store).update_dialogue(ChatId(-100), contexts("hockey")).await.expect("written");
    let read = Arc::clone(&store).get_dialogue(ChatId(-100)).await.expect("read");
    assert_eq!(read, Some(contexts("hockey")));

    let key = RedisContexts::key(ChatId(-100));
    assert_eq!(key, format!("callbot:ctx:v{CONTEXT_VERSION}:-100"));
    let mut raw = connection.clone();
    let ttl: i64 = raw.ttl(&key).await.expect("ttl");
    assert!((IDLE.as_secs() as i64 - 5..=IDLE.as_secs() as i64).contains(&ttl), "ttl {ttl}");

    Arc::clone(&store).remove_dialogue(ChatId(-100)).await.expect("removed");
    assert_eq!(Arc::clone(&store).get_dialogue(ChatId(-100)).await.expect("read"), None);
}

#[tokio::test]
async fn another_version_or_an_unreadable_record_is_dropped_not_misread() {
    let redis = RedisServer::start();
    let connection = connect(&redis.url()).expect("a valid URL");
    let store = RedisContexts::new(connection.clone(), IDLE);
    let mut raw = connection.clone();

    // A record of another format version sits under another key: it is not found.
    let old = format!("callbot:ctx:v{}:7", CONTEXT_VERSION + 1);
    let _: () = raw.set(&old, r#"{"users": "something else"}"#).await.expect("set");
    assert_eq!(Arc::clone(&store).get_dialogue(ChatId(7)).await.expect("read"), None);

    // A record under this version that does not read is dropped.
    let _: () = raw.set(RedisContexts::key(ChatId(8)), "not json").await.expect("set");
    assert_eq!(Arc::clone(&store).get_dialogue(ChatId(8)).await.expect("read"), None);
}

#[tokio::test]
async fn a_server_that_is_down_gives_errors_quickly_and_the_store_goes_on() {
    let redis = RedisServer::start();
    let url = redis.url();
    drop(redis);
    let store = ContextStore::redis(connect(&url).expect("a valid URL"), IDLE);

    let started = Instant::now();
    let (all, mine) = store.load(5, 42).await;
    store.save(5, contexts("hockey")).await;
    assert_eq!((all, mine), (ChatContexts::default(), None));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn users_of_one_chat_are_kept_apart() {
    let redis = RedisServer::start();
    let store = ContextStore::redis(connect(&redis.url()).expect("a valid URL"), IDLE);
    let mut both = contexts("hockey");
    both.set(43, Some(Context { entry: Some("bridges".to_owned()), ..Context::default() }));
    store.save(-5, both).await;

    let (_, first) = store.load(-5, 42).await;
    let (_, second) = store.load(-5, 43).await;
    assert_eq!(first.and_then(|c| c.entry).as_deref(), Some("hockey"));
    assert_eq!(second.and_then(|c| c.entry).as_deref(), Some("bridges"));
}
