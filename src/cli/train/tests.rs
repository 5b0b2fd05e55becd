use clap::Parser;

use super::*;

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: Args,
}

fn settings(line: &[&str]) -> (TrainSettings, SubsetSettings) {
    let argv = std::iter::once("train").chain(line.iter().copied());
    Wrapper::parse_from(argv).args.settings().unwrap()
}

#[test]
fn options_not_given_take_the_pages_defaults_for_the_run_kind() {
    let (balanced, subset) = settings(&["--data", "toy"]);
    assert_eq!(balanced, TrainSettings::for_dataset(DatasetKind::Toy));
    assert_eq!(subset, SubsetSettings::for_dataset(DatasetKind::Toy));
    // A long tail takes the class-imbalance lab's defaults.
    let (long_tail, subset) = settings(&["--data", "x.tar.gz", "--imbalance", "100"]);
    assert_eq!(long_tail, TrainSettings::long_tail_for(DatasetKind::Cifar));
    assert_eq!(
        subset.per_class,
        SubsetSettings::long_tailed_for(DatasetKind::Cifar).per_class
    );
    assert_eq!(subset.imbalance, 100.0);
    // What is given wins.
    let (given, _) = settings(&[
        "--data",
        "toy",
        "--imbalance",
        "10",
        "--epochs",
        "2",
        "--lr",
        "0.01",
    ]);
    assert_eq!((given.epochs, given.learning_rate), (2, 0.01));
}

#[test]
fn every_knob_is_an_option_named_as_in_the_url() {
    let command = <Wrapper as clap::CommandFactory>::command();
    for knob in Knob::ALL {
        let arg = command
            .get_arguments()
            .find(|a| a.get_id() == knob.key())
            .unwrap_or_else(|| panic!("no option for {knob:?}"));
        assert_eq!(arg.get_long(), Some(knobs::flag(knob.key()).as_str()));
    }
    let (given, subset) = settings(&[
        "--data",
        "toy",
        "--weight-decay",
        "0.001",
        "--decay",
        "2,3",
        "--decay-factor",
        "0.5",
        "--per-class",
        "7",
        "--width",
        "4,8",
    ]);
    assert_eq!(given.weight_decay, 0.001);
    assert_eq!(
        given.schedule,
        Schedule::Step {
            at_epochs: vec![2, 3],
            factor: 0.5
        }
    );
    assert_eq!((subset.per_class, given.model.widths), (7, [4, 8]));
    let (constant, _) = settings(&["--data", "toy", "--decay", ""]);
    assert_eq!(constant.schedule, Schedule::Constant);
}

#[test]
fn the_old_spellings_still_work() {
    let (old, _) = settings(&[
        "--data",
        "toy",
        "--wd",
        "0.002",
        "--warmup-epochs",
        "2",
        "--schedule",
        "step:1,2:0.1",
    ]);
    assert_eq!((old.weight_decay, old.warmup_epochs), (0.002, 2));
    assert_eq!(
        old.schedule,
        Schedule::Step {
            at_epochs: vec![1, 2],
            factor: 0.1
        }
    );
    // The knobs' own options win over the old --schedule.
    let (both, _) = settings(&[
        "--data",
        "toy",
        "--schedule",
        "step:1:0.1",
        "--decay-factor",
        "0.3",
    ]);
    assert_eq!(
        both.schedule,
        Schedule::Step {
            at_epochs: vec![1],
            factor: 0.3
        }
    );
}
