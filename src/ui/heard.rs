//! What the shell and the cells hear: the worker's replies and state, and what a cell publishes
//! for the others (the model the ConvNet cell trained), handed to each listener in turn; each
//! picks what is addressed to it (a reply, it takes: the others never see it).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use super::convnet::TrainedModel;
use crate::protocol::FromWorker;

/// One thing heard.
#[derive(Debug)]
pub enum Heard {
    /// The probe request went out.
    Probing,
    Reply(FromWorker),
    /// A message from the worker that the page could not read (nothing else is affected).
    Unreadable(String),
    /// The worker script failed to load or crashed (e.g. the GPU device was lost); what it was
    /// doing will not answer.
    Stopped(String),
    /// The ConvNet cell's model changed (published by the cell, read by the paper cell).
    ConvNetModel(TrainedModel),
}

impl Heard {
    /// What a cell picks from `heard`: the reply `mine` takes (moved out, so no later listener
    /// hears it; `mine` hands back a reply that is not the cell's), or the worker's stop, as
    /// `stopped` words it for the cell.
    pub fn pick<A>(
        heard: &mut Option<Heard>,
        mine: fn(FromWorker) -> Result<A, FromWorker>,
        stopped: fn(&str) -> A,
    ) -> Option<A> {
        match heard.take()? {
            Heard::Reply(reply) => mine(reply)
                .map_err(|reply| *heard = Some(Heard::Reply(reply)))
                .ok(),
            other => {
                let action = match &other {
                    Heard::Stopped(why) => Some(stopped(why)),
                    _ => None,
                };
                *heard = Some(other);
                action
            }
        }
    }
}

/// Reads what is heard, or takes it (leaving `None`).
type Listener = Rc<dyn Fn(&mut Option<Heard>)>;

struct Registry {
    next: Cell<u32>,
    listening: RefCell<Vec<(u32, Listener)>>,
}

/// Callbacks handed everything heard, from when they are added until they are removed.
#[derive(Clone)]
pub struct Listeners(Rc<Registry>);

impl Default for Listeners {
    fn default() -> Self {
        Self(Rc::new(Registry {
            next: Cell::new(0),
            listening: RefCell::new(Vec::new()),
        }))
    }
}

impl Listeners {
    /// Adds a listener; the number removes it.
    fn add(&self, listener: Listener) -> u32 {
        let id = self.0.next.get();
        self.0.next.set(id + 1);
        self.0.listening.borrow_mut().push((id, listener));
        id
    }

    fn remove(&self, id: u32) {
        self.0.listening.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Hands `heard` to each listener in turn until one takes it (a listener may add listeners
    /// while it is told: they are told too).
    pub fn tell(&self, heard: Heard) {
        let listening: Vec<Listener> = self
            .0
            .listening
            .borrow()
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        let mut heard = Some(heard);
        for listener in listening {
            listener(&mut heard);
            if heard.is_none() {
                return;
            }
        }
    }
}

/// A listener while it is kept.
struct Listening(Listeners, u32);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

/// Hands `on` everything told to `listeners`, from the component's first render (so every cell
/// listens before any effect of the first render publishes) until it goes; `on` is the first
/// render's, so it should hold only what does not change, such as a reducer's dispatcher.
#[hook]
pub fn use_listener(listeners: &Listeners, on: Listener) {
    let listeners = listeners.clone();
    use_mut_ref(move || Listening(listeners.clone(), listeners.add(on)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_goes_to_the_listener_that_takes_it_and_news_to_all_until_removed() {
        let listeners = Listeners::default();
        let log = Rc::new(RefCell::new(Vec::<String>::new()));
        let listen = |who: &'static str| {
            let log = log.clone();
            let id = listeners.add(Rc::new(move |heard: &mut Option<Heard>| {
                if matches!(heard, Some(Heard::Reply(_))) {
                    heard.take();
                    log.borrow_mut().push(format!("{who} took"));
                } else if let Some(Heard::Stopped(why)) = heard {
                    log.borrow_mut().push(format!("{who} read {why}"));
                }
            }));
            Listening(listeners.clone(), id)
        };
        let (taker, reader) = (listen("taker"), listen("reader"));
        listeners.tell(Heard::Reply(FromWorker::Ready));
        listeners.tell(Heard::Stopped("lost".into()));
        drop(taker);
        listeners.tell(Heard::Reply(FromWorker::Ready));
        drop(reader);
        listeners.tell(Heard::Stopped("gone".into()));
        assert_eq!(
            *log.borrow(),
            [
                "taker took",
                "taker read lost",
                "reader read lost",
                "reader took"
            ]
        );
        assert!(listeners.0.listening.borrow().is_empty());
    }
}
