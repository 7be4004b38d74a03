fn main() {
    std::process::exit(oncall::cli::main());
}
