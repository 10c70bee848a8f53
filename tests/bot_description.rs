//! An empty chat shows what the bot does before anyone types: at start the bot sets its
//! description and short description from `[telegram]`.

use callbot_test_support as common;

use common::bot;
use common::fake_telegram::FakeTelegram;

#[tokio::test]
async fn the_bot_sets_its_descriptions_from_the_configuration() {
    let fake = FakeTelegram::start().await;
    let setup = bot::engine_with(|c| {
        c.telegram.description = "我回答关于这篇报道的问题。".to_owned();
        c.telegram.short_description = "回答报道的问题".to_owned();
    });
    let running = bot::start(&fake, setup).await;
    bot::finish(&fake, running).await;
    let description = fake.calls_of("setMyDescription");
    let short = fake.calls_of("setMyShortDescription");
    assert_eq!((description.len(), short.len()), (1, 1), "each is set once");
    assert_eq!(
        description[0].param("description").and_then(|v| v.as_str()),
        Some("我回答关于这篇报道的问题。")
    );
    assert_eq!(short[0].param("short_description").and_then(|v| v.as_str()), Some("回答报道的问题"));
}

#[test]
fn the_configured_descriptions_are_valid() {
    let telegram =
        callbot::telegram::TelegramConfig::from_settings(&common::knowledge::settings()).expect("valid");
    assert!(!telegram.description.is_empty() && !telegram.short_description.is_empty());
}
