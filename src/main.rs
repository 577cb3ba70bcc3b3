use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = rehabops::cli::Cli::parse();
    match rehabops::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rehabops: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
