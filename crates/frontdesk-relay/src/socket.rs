//! Frame reading and writing shared by the visitor and desk sockets.

use axum::extract::ws::{Message, WebSocket};
use frontdesk_proto::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Error;

/// What one read from a socket gave.
pub enum Frame<T> {
    Parsed(T),
    /// A frame the client must be told about; the socket stays open.
    Bad(Error),
    /// Ping, pong: nothing to do.
    Skip,
    Closed,
}

pub async fn read<T: DeserializeOwned>(ws: &mut WebSocket, max_frame: usize) -> Frame<T> {
    match ws.recv().await {
        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Frame::Closed,
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Frame::Skip,
        Some(Ok(Message::Binary(bytes))) => Frame::Bad(Error::refused(
            if std::str::from_utf8(&bytes).is_ok() {
                ErrorCode::BadJson
            } else {
                ErrorCode::BadUtf8
            },
            "frames must be UTF-8 JSON text",
        )),
        Some(Ok(Message::Text(text))) => parse(text.as_str(), max_frame),
    }
}

pub fn parse<T: DeserializeOwned>(text: &str, max_frame: usize) -> Frame<T> {
    if text.len() > max_frame {
        return Frame::Bad(Error::refused(
            ErrorCode::TooLarge,
            format!(
                "the frame is {} bytes; the most this relay takes is {max_frame}",
                text.len()
            ),
        ));
    }
    match serde_json::from_str::<T>(text) {
        Ok(v) => Frame::Parsed(v),
        Err(e) => Frame::Bad(Error::refused(
            ErrorCode::BadJson,
            // serde's message names the field or the position, never echoes the content.
            format!("not a valid frame: {e}"),
        )),
    }
}

pub async fn send<T: Serialize>(ws: &mut WebSocket, frame: &T) -> bool {
    let text = serde_json::to_string(frame).expect("wire frames always serialize");
    ws.send(Message::Text(text.into())).await.is_ok()
}
