#!/usr/bin/perl
# Verifies messages with Perl's Mail::DKIM (Debian libmail-dkim-perl), looking keys up at the given DNS server.
# Prints "FILE d=DOMAIN s=SELECTOR a=ALGORITHM RESULT" per signature. Exit 0 when every message has a passing
# signature and no signature fails; an algorithm this Mail::DKIM does not know (Ed25519 before 1.20230911) is
# reported and, as RFC 6376 section 6.1.1 says, ignored.
#   maildkim_verify.pl SERVER PORT FILE...
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my ($server, $port, @files) = @ARGV;
# A query is sent again after 1, 2, 4 and 8 s of silence (a busy test machine may drop one datagram), within
# Mail::DKIM's own bound, raised from 10 s to 30 s.
$Mail::DKIM::DNS::TIMEOUT = 30;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => [$server], port => $port, recurse => 1,
    retrans => 1, retry => 5, udp_timeout => 25, tcp_timeout => 10));
my $failed = 0;
for my $file (@files) {
    open(my $fh, '<:raw', $file) or die "$file: $!";
    my $dkim = Mail::DKIM::Verifier->new();
    while (my $line = <$fh>) {
        $line =~ s/\015?\012\z/\015\012/;
        $dkim->PRINT($line);
    }
    $dkim->CLOSE;
    close $fh;
    my $passed = 0;
    for my $sig ($dkim->signatures) {
        my $result = $sig->result_detail;
        if ($sig->result eq 'pass') {
            $passed++;
        } elsif ($result !~ /unsupported algorithm/) {
            $failed++;
        }
        printf "%s d=%s s=%s a=%s %s\n", $file, $sig->domain, $sig->selector, $sig->algorithm, $result;
    }
    $failed++ unless $passed;
}
exit($failed ? 1 : 0);
