//! A [`ShardPool`] whose helpers are replicas in this thread, computed one after another when
//! their outcomes are asked for: the same numbers as helper workers give, without the workers
//! (the CLI's `--workers`, and the tests that hold N workers to one).

use burn::tensor::Device;

use super::{Job, Outcomes, Replica, ReplicaSetup, ShardError, ShardPool, check_jobs};

pub struct InProcess {
    replicas: Vec<Replica>,
    jobs: Vec<Job>,
}

impl InProcess {
    /// `helpers` replicas of `setup`'s network on `device`.
    pub fn new(helpers: usize, setup: &ReplicaSetup, device: &Device) -> Result<Self, ShardError> {
        Ok(Self {
            replicas: (0..helpers)
                .map(|_| Replica::new(setup, device))
                .collect::<Result<_, _>>()?,
            jobs: Vec::new(),
        })
    }
}

impl ShardPool for InProcess {
    fn helpers(&self) -> usize {
        self.replicas.len()
    }

    fn send(&mut self, jobs: Vec<Job>) -> Result<(), ShardError> {
        check_jobs(&jobs, self.replicas.len())?;
        self.jobs = jobs;
        Ok(())
    }

    fn receive(&mut self) -> Outcomes<'_> {
        let jobs = std::mem::take(&mut self.jobs);
        Box::pin(async move {
            let mut outcomes = Vec::with_capacity(jobs.len());
            for (replica, job) in self.replicas.iter_mut().zip(&jobs) {
                outcomes.push(replica.run(job).await?);
            }
            Ok(outcomes)
        })
    }
}
