//! Where uploads wait (issue 11, item 5): the upload slots (`limits.concurrent_uploads`)
//! and the spool a file's bytes go to as they arrive, sealed under a key only this
//! process holds. The shells' multipart reading (their `upload` module) uses both.

use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

/// The uploads under way at once: `limits.concurrent_uploads` slots (`App::upload_slots`),
/// and the folder their files are spooled to while they arrive.
#[derive(Clone)]
pub struct Slots {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// Complete uploads whose files are back in memory to be stored: at most
    /// [`STORING`] at once; the others wait, on disk.
    storing: std::sync::Arc<tokio::sync::Semaphore>,
    spool: PathBuf,
}

/// Complete uploads holding their files in memory at once, while they are stored.
const STORING: usize = 2;

impl Slots {
    /// Slots free now.
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }

    /// `n` slots; files spooled to `spool` (`DATA_DIR/spool`, made when first needed).
    pub fn new(n: usize, spool: PathBuf) -> Slots {
        Slots {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(n)),
            storing: std::sync::Arc::new(tokio::sync::Semaphore::new(STORING)),
            spool,
        }
    }
}

impl Slots {
    /// The semaphore of the upload slots.
    pub fn permits(&self) -> &std::sync::Arc<tokio::sync::Semaphore> {
        &self.permits
    }

    /// The semaphore of the complete uploads holding their files in memory.
    pub fn storing(&self) -> &std::sync::Arc<tokio::sync::Semaphore> {
        &self.storing
    }

    /// Where files are spooled.
    pub fn spool_dir(&self) -> &Path {
        &self.spool
    }
}

/// A file on its way in, in an unnamed file of the spool folder (gone when dropped, or
/// when the process dies). Each chunk is sealed (AES-256-GCM) under a key made for this
/// file and held only in memory, bound to its position, so what the spool holds is
/// unreadable without the process and can't be reordered: a report's attachment never
/// lies in clear on disk (`docs/at-rest.md`).
pub struct Spool {
    file: tokio::fs::File,
    key: embargo_store::sealing::KeyBytes,
    chunks: u64,
}

impl Spool {
    pub async fn new(dir: &Path) -> std::io::Result<Spool> {
        let dir = dir.to_owned();
        let file = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            tempfile::tempfile_in(&dir)
        })
        .await
        .map_err(std::io::Error::other)??;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random source");
        Ok(Spool {
            file: tokio::fs::File::from_std(file),
            key,
            chunks: 0,
        })
    }

    /// Appends a chunk: its sealed length (4 bytes, big-endian), then the sealed chunk.
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let sealed = embargo_store::sealing::seal(&self.key, chunk, &self.chunks.to_be_bytes());
        self.chunks += 1;
        let len = u32::try_from(sealed.len()).map_err(std::io::Error::other)?;
        self.file.write_all(&len.to_be_bytes()).await?;
        self.file.write_all(&sealed).await
    }

    pub async fn read_back(mut self) -> std::io::Result<Vec<u8>> {
        self.file.flush().await?;
        self.file.seek(std::io::SeekFrom::Start(0)).await?;
        let mut stored = Vec::new();
        self.file.read_to_end(&mut stored).await?;
        let mut plain = Vec::new();
        let mut rest = &stored[..];
        for n in 0..self.chunks {
            let broken = || std::io::Error::other(format!("chunk {n} does not open"));
            let (len, after) = rest.split_at_checked(4).ok_or_else(broken)?;
            let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
            let (sealed, after) = after.split_at_checked(len).ok_or_else(broken)?;
            let opened = embargo_store::sealing::open(&self.key, sealed, &n.to_be_bytes())
                .ok_or_else(broken)?;
            plain.extend_from_slice(&opened);
            rest = after;
        }
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spooled_file_is_sealed_on_disk_and_read_back_whole() {
        let dir = embargo_testkit::temp_dir();
        let mut spool = Spool::new(&dir.path().join("spool")).await.unwrap();
        let chunks: Vec<Vec<u8>> = (0..5)
            .map(|n| {
                format!("CANARY-spooled-chunk-{n}-")
                    .repeat(200)
                    .into_bytes()
            })
            .collect();
        for c in &chunks {
            spool.write(c).await.unwrap();
        }
        // What is on disk holds none of it.
        spool.file.flush().await.unwrap();
        spool.file.seek(std::io::SeekFrom::Start(0)).await.unwrap();
        let mut on_disk = Vec::new();
        spool.file.read_to_end(&mut on_disk).await.unwrap();
        assert!(on_disk.len() > chunks.concat().len());
        assert!(!on_disk.windows(7).any(|w| w == b"CANARY-"));
        // The file has no name: nothing is left in the folder, even before it closes.
        assert_eq!(
            std::fs::read_dir(dir.path().join("spool")).unwrap().count(),
            0
        );
        assert_eq!(spool.read_back().await.unwrap(), chunks.concat());
    }

    #[tokio::test]
    async fn chunks_swapped_on_disk_do_not_open() {
        let dir = embargo_testkit::temp_dir();
        let mut spool = Spool::new(dir.path()).await.unwrap();
        spool.write(b"first chunk").await.unwrap();
        spool.write(b"other chunk").await.unwrap();
        spool.file.flush().await.unwrap();
        spool.file.seek(std::io::SeekFrom::Start(0)).await.unwrap();
        let mut on_disk = Vec::new();
        spool.file.read_to_end(&mut on_disk).await.unwrap();
        let half = on_disk.len() / 2;
        let swapped = [&on_disk[half..], &on_disk[..half]].concat();
        spool.file.seek(std::io::SeekFrom::Start(0)).await.unwrap();
        spool.file.write_all(&swapped).await.unwrap();
        let e = spool.read_back().await.unwrap_err();
        assert!(e.to_string().contains("chunk 0 does not open"), "{e}");
    }
}
