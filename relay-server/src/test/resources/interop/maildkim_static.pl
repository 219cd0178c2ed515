#!/usr/bin/perl
# Verifies messages with Perl's Mail::DKIM (Debian libmail-dkim-perl) without DNS: its resolver is replaced by an
# object that answers TXT queries from a file of "NAME<TAB>RECORD" lines. Prints "FILE a=ALGORITHM d=DOMAIN
# s=SELECTOR RESULT_DETAIL" per signature, or "FILE none RESULT_DETAIL" when the message has none.
#   maildkim_static.pl KEYS.tsv FILE...
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;

package StaticResolver;

sub new {
    my ($class, %records) = @_;
    return bless { records => \%records }, $class;
}

# The one method Mail::DKIM::DNS::query calls; a name without a record is NXDOMAIN.
sub send {
    my ($self, $name, $type) = @_;
    my $packet = Net::DNS::Packet->new($name, $type);
    my $record = $self->{records}{ lc($name =~ s/\.\z//r) };
    if (defined $record && uc $type eq 'TXT') {
        my @strings = unpack('(A255)*', $record);
        $packet->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', ttl => 60, txtdata => \@strings));
        $packet->header->rcode('NOERROR');
    } else {
        $packet->header->rcode('NXDOMAIN');
    }
    return $packet;
}

sub errorstring { return 'NOERROR'; }

package main;

my ($keys, @files) = @ARGV;
my %records;
open(my $kh, '<', $keys) or die "$keys: $!";
while (my $line = <$kh>) {
    chomp $line;
    next unless $line =~ /\S/;
    my ($name, $value) = split /\t/, $line, 2;
    $records{ lc($name =~ s/\.\z//r) } = $value;
}
close $kh;
Mail::DKIM::DNS::resolver(StaticResolver->new(%records));
for my $file (@files) {
    open(my $fh, '<:raw', $file) or die "$file: $!";
    my $message = do { local $/; <$fh> };
    close $fh;
    my $dkim = Mail::DKIM::Verifier->new();
    $dkim->PRINT($message);
    $dkim->CLOSE;
    my @signatures = $dkim->signatures;
    printf "%s none %s\n", $file, $dkim->result_detail unless @signatures;
    for my $sig (@signatures) {
        printf "%s a=%s d=%s s=%s %s\n", $file, $sig->algorithm // '?', $sig->domain // '?', $sig->selector // '?',
            $sig->result_detail;
    }
}
