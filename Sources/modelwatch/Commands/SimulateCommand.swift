import ArgumentParser
import DemoFleet
import Foundation
import Sources

/// `modelwatch simulate --listen 127.0.0.1:PORT`: the demo fleet as real HTTP endpoints.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve the simulated fleet's metrics over HTTP, for tests and training sessions.",
        discussion: "Each simulated server answers at /<name>/metrics (\(Fleet.targetNames.joined(separator: ", "))); / lists them."
    )

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen: String = "127.0.0.1:9400"

    @Option(help: "Seed of the simulation's randomness.")
    var seed: UInt64 = 42

    func validate() throws {
        guard Self.split(listen) != nil else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
    }

    static func split(_ address: String) -> (host: String, port: UInt16)? {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        let (host, port) = Self.split(listen)!
        let server = try SimulateServer(host: host, port: port, seed: seed)
        let serving = Task { try await server.run() }
        try await server.waitUntilListening()
        let bound = await server.boundPort ?? port
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var text = "modelwatch simulate: serving the demo fleet on http://\(shownHost):\(bound)/\n"
        for name in Fleet.targetNames { text += "  http://\(shownHost):\(bound)/\(name)/metrics\n" }
        // Unbuffered, so a test reading our output through a pipe sees the port at once.
        FileHandle.standardOutput.write(Data(text.utf8))
        try await serving.value
    }
}
