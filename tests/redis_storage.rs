//! The Redis store of conversations against a real `redis-server` on a free loopback
//! port: one versioned, prefixed key per (chat, user), a TTL equal to the idle expiry,
//! unreadable records and records of the old per-chat layout never misread, and a
//! server that is down gives errors (which the bot logs), never a hang or a panic.

use callbot_test_support as common;

use std::time::{Duration, Instant};

use callbot::conversation::{CONTEXT_VERSION, Context};
use callbot::storage::{ContextStore, RedisContexts, check, connect};
use common::redis::RedisServer;
use redis::AsyncCommands;

const IDLE: Duration = Duration::from_secs(30 * 60);

fn context(entry: &str) -> Context {
    Context { entry: Some(entry.to_owned()), updated: 1_800_000_000, ..Context::default() }
}

#[tokio::test]
async fn a_context_round_trips_under_its_own_versioned_key_with_the_idle_ttl() {
    let redis = RedisServer::start();
    let connection = connect(&redis.url()).expect("a valid URL");
    let store = RedisContexts::new(connection.clone(), IDLE);

    store.set((-100, 42), Some(context("hockey"))).await.expect("written");
    assert_eq!(store.get((-100, 42)).await.expect("read"), Some(context("hockey")));

    let key = RedisContexts::key((-100, 42));
    assert_eq!(key, format!("callbot:ctx:v{CONTEXT_VERSION}:-100:42"));
    assert_eq!(CONTEXT_VERSION, 2, "the per-user layout is version 2");
    let mut raw = connection.clone();
    let ttl: i64 = raw.ttl(&key).await.expect("ttl");
    assert!((IDLE.as_secs() as i64 - 5..=IDLE.as_secs() as i64).contains(&ttl), "ttl {ttl}");

    store.set((-100, 42), None).await.expect("removed");
    assert_eq!(store.get((-100, 42)).await.expect("read"), None);
}

#[tokio::test]
async fn an_old_layout_or_an_unreadable_record_is_dropped_not_misread() {
    let redis = RedisServer::start();
    let connection = connect(&redis.url()).expect("a valid URL");
    let store = ContextStore::redis(connection.clone(), IDLE);
    let mut raw = connection.clone();

    // A chat's record in the old per-chat layout (v1) is not read: the user starts
    // afresh, with no error, and the old key is left to its TTL.
    let old = "callbot:ctx:v1:7";
    let _: () = raw.set_ex(old, r#"{"users":[[42,{"entry":"hockey"}]]}"#, 60).await.expect("set");
    assert_eq!(store.load(7, 42).await, None);
    store.save(7, 42, Some(context("bridges"))).await;
    assert_eq!(store.load(7, 42).await.and_then(|c| c.entry).as_deref(), Some("bridges"));
    let ttl: i64 = raw.ttl(old).await.expect("ttl");
    assert!(ttl > 0, "the old record still expires by itself");

    // A record under this version that does not read is dropped.
    let _: () = raw.set(RedisContexts::key((8, 42)), "not json").await.expect("set");
    assert_eq!(store.load(8, 42).await, None);
}

#[tokio::test]
async fn a_server_that_is_down_gives_errors_quickly_and_the_store_goes_on() {
    let redis = RedisServer::start();
    let url = redis.url();
    drop(redis);
    let store = ContextStore::redis(connect(&url).expect("a valid URL"), IDLE);

    let started = Instant::now();
    let mine = store.load(5, 42).await;
    store.save(5, 42, Some(context("hockey"))).await;
    assert_eq!(mine, None);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn users_of_one_chat_are_kept_apart() {
    let redis = RedisServer::start();
    let store = ContextStore::redis(connect(&redis.url()).expect("a valid URL"), IDLE);
    store.save(-5, 42, Some(context("hockey"))).await;
    store.save(-5, 43, Some(context("bridges"))).await;

    assert_eq!(store.load(-5, 42).await.and_then(|c| c.entry).as_deref(), Some("hockey"));
    assert_eq!(store.load(-5, 43).await.and_then(|c| c.entry).as_deref(), Some("bridges"));
}

#[tokio::test]
async fn refused_credentials_fail_the_start_up_check_and_a_server_that_is_down_does_not() {
    let redis = RedisServer::start();
    let mut admin = connect(&redis.url()).expect("a valid URL");
    assert!(check(&admin).await.is_ok(), "an open server passes");
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("s3cret")
        .query_async(&mut admin)
        .await
        .expect("set");

    let without = connect(&redis.url()).expect("a valid URL");
    let error = check(&without).await.expect_err("no password");
    assert!(callbot::storage::redis::is_configuration_error(&error), "{error}");
    let wrong = connect(&format!("redis://:wrong@127.0.0.1:{}/", redis.port())).expect("a valid URL");
    let error = check(&wrong).await.expect_err("a wrong password");
    assert!(callbot::storage::redis::is_configuration_error(&error), "{error}");
    assert!(!error.to_string().contains("wrong@"), "the URL is not shown: {error}");
    let right = connect(&format!("redis://:s3cret@127.0.0.1:{}/", redis.port())).expect("a valid URL");
    assert!(check(&right).await.is_ok());

    let url = redis.url();
    drop(redis);
    assert!(check(&connect(&url).expect("a valid URL")).await.is_ok(), "a server down may come back");
}
